/** The demo story, written from the facts of ../shared/seed/story-article.txt. */
export interface DemoUpdate {
  headline?: string;
  body: string; // Markdown, <= 2000 chars
  kind?: "update" | "breaking" | "correction";
  pinned?: boolean; // key events; pin 2-3 of them
  /** Minutes after the first alert, used to spread createdAt times when seeding instantly. */
  minute: number;
  /** Key figures the desk sets (or changes) right after this update goes out. */
  figures?: DemoFigure[];
  /** Optional: instead of a new entry, this update edits the earlier update with this index in `updates` (e.g. to fix a figure). Use at most one such edit. */
  edits?: number;
}

/** A key figure as the demo sets it (PUT …/facts/:id). */
export interface DemoFigure {
  id: string;
  label: string;
  value: string;
  source?: string;
  order?: number;
}

export const demoStory: {
  id: "kyiv-strikes";
  title: string;
  summary: string;
  updates: DemoUpdate[];
  endSummary: string;
} = {
  id: "kyiv-strikes",
  title: "Russian drones and missiles pound Kyiv overnight as major prisoner swap gets under way",
  summary:
    "Live coverage of a large overnight Russian drone and missile attack on Kyiv, launched hours after Ukraine and Russia began swapping 1,000 prisoners each. Injuries, damage across several districts, air-defence figures and reactions.",
  updates: [
    // 0
    {
      headline: "Air-raid alert in Kyiv as Russian attack begins",
      body: "Sirens are sounding across the Ukrainian capital in the early hours of **Saturday**. We are following the situation and will post updates as they come in.",
      kind: "breaking",
      pinned: true,
      minute: 0,
    },
    // 1
    {
      headline: "Loud blasts heard across the capital",
      body: "Several powerful explosions have rung out over Kyiv while emergency sirens keep wailing. Footage distributed by Reuters shows flames from burning buildings lighting up the night sky.",
      minute: 9,
    },
    // 2
    {
      headline: "Klitschko: fires and debris in several neighbourhoods",
      body: "Mayor Vitali Klitschko says the strikes have set off fires and scattered debris in a number of districts. Homes appear to have taken most of the damage.",
      minute: 22,
    },
    // 3
    {
      headline: "Apartment block damaged in Dniprovskyi district",
      body: "Fragments hit a residential building in the **Dniprovskyi** district, according to the Kyiv city military administration. No details yet on casualties at the site.",
      minute: 37,
    },
    // 4
    {
      headline: "High-rise on fire in Obolon, in the north of the city",
      body: "City officials report a blaze spanning four floors of a tall residential building in **Obolon**, a northern district of Kyiv. Many windows in the area were blown out.",
      minute: 51,
    },
    // 5
    {
      headline: "Debris reported at Obolon shopping centre",
      body: "Wreckage from the attack has also been found at a shopping centre close to the burning high-rise, officials say.",
      minute: 63,
    },
    // 6
    {
      headline: "At least 11 people injured, early reports say",
      body: "Early reports say **at least 11** people have been hurt in the capital. The number may change as emergency crews reach the damaged buildings.",
      minute: 78,
      figures: [
        { id: "f_injured", label: "Injured", value: "at least 11", source: "early reports" },
        { id: "f_killed", label: "Killed", value: "none reported so far" },
      ],
    },
    // 7
    {
      headline: "Context: attack comes hours into the war's biggest prisoner exchange",
      body: "The strikes follow the start on Friday of what is expected to be the largest swap of captives since the full-scale invasion. Each side is due to hand over 1,000 people, with exchanges continuing through the weekend.",
      minute: 96,
      figures: [{ id: "f_prisoners", label: "Prisoner swap", value: "1,000 for 1,000, over the weekend", source: "agreed in Istanbul" }],
    },
    // 8
    {
      headline: "Air force: 14 ballistic missiles and about 250 drones launched",
      body: "Ukraine's Air Force says Kyiv was the main target of the overnight barrage. Its tally:\n\n- **14** ballistic missiles launched, **6** shot down\n- around **250** attack drones launched, **245** shot down",
      // Breaking well into the replay: a reader who asked for alerts after the first update gets one.
      kind: "breaking",
      pinned: true,
      minute: 122,
      figures: [
        { id: "f_missiles", label: "Ballistic missiles", value: "14 launched, 6 shot down", source: "Ukrainian Air Force", order: 3 },
        { id: "f_drones", label: "Attack drones", value: "about 250 launched, 245 shot down", source: "Ukrainian Air Force", order: 4 },
      ],
    },
    // 9
    {
      headline: "Strikes also reported in Dnipro, Odesa, Kharkiv, Donetsk and Zaporizhzhia",
      body: "Despite the interceptions, missiles and drones got through in several other regions, according to the air force.",
      minute: 138,
    },
    // 10
    {
      headline: "Injured: police now say at least 15",
      body: "**Correction:** an earlier entry said at least 11 people were injured. Ukraine's National Police now put the number at **at least 15**.",
      kind: "correction",
      pinned: true,
      minute: 161,
      // The figure that changes while `npm run demo` plays.
      figures: [{ id: "f_injured", label: "Injured", value: "at least 15", source: "National Police" }],
    },
    // 11 (edits entry 6 in place: new figure, new headline)
    {
      headline: "Injury toll rises to at least 15",
      body: "Ukraine's National Police say **at least 15** people have been hurt in the capital. *Updated: early reports had put the number at 11; see the correction above.*",
      minute: 164,
      edits: 6,
    },
    // 12
    {
      headline: "Zelensky: \"a difficult night for all of Ukraine\"",
      body: "Writing on Telegram, President Volodymyr Zelensky voiced sorrow over the civilians hurt in the attack and offered condolences to their families.",
      minute: 188,
    },
    // 13
    {
      headline: "Sybiha: Russia sent missiles instead of its \"peace memorandum\"",
      body: "Foreign Minister Andrii Sybiha praised air-defence crews for working through the night. He noted that a week after the Istanbul meeting, Moscow has still not delivered the document it promised, and is instead firing at civilians.",
      minute: 212,
    },
    // 14
    {
      headline: "Russia says it downed 94 Ukrainian drones",
      body: "Russia's defence ministry claims its forces destroyed 94 Ukrainian UAVs over Russian territory, mostly above the **Belgorod** and **Bryansk** regions. It also reported drones brought down over Kursk, Lipetsk, Voronezh and Tula.",
      minute: 238,
    },
    // 15
    {
      headline: "Background: what came out of the Istanbul talks",
      body: "The prisoner swap was the only significant result of last week's meeting in Istanbul, the first direct talks between the two sides since Russia invaded in February 2022. Kyiv and its allies pressed for an unconditional ceasefire there, but none was agreed.",
      minute: 263,
    },
    // 16
    {
      headline: "Putin proposed the talks; neither leader attended",
      body: "The Istanbul meeting was Vladimir Putin's idea, and critics saw it as a way to deflect European calls for an immediate ceasefire or new sanctions on Moscow. Neither Putin nor Zelensky took part.",
      minute: 287,
    },
  ],
  endSummary:
    "We are ending live coverage of the overnight attack on Kyiv; at least 15 people were injured, and the prisoner exchange continues through the weekend.",
};
