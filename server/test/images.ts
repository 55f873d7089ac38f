import sharp from "sharp";

/** Real images for the media tests, made with sharp: noise, so that encoders cannot shrink them to nothing. */
export async function noisyJpeg(width: number, height: number, quality = 90): Promise<Buffer> {
  return sharp({ create: { width, height, channels: 3, background: "#000000", noise: { type: "gaussian", mean: 128, sigma: 50 } } })
    .jpeg({ quality })
    .toBuffer();
}

export const SOURCE = { artist: "Jane Source", latitude: "50/1 27/1 36/1", xmpCreator: "Hidden Stringer" };

/**
 * A phone photo as a source would send it: EXIF with the photographer's name and where they
 * stood (GPS), XMP naming them again, and an EXIF orientation (6: the camera was held upright,
 * so the pixels are stored sideways and must be turned 90° clockwise to be seen right).
 */
export async function sourcePhoto(width: number, height: number, orientation = 1): Promise<Buffer> {
  const xmp = `<?xpacket begin="" id="W5M0MpCehiHzreSzNTczkc9d"?><x:xmpmeta xmlns:x="adobe:ns:meta/"><rdf:RDF xmlns:rdf="http://www.w3.org/1999/02/22-rdf-syntax-ns#"><rdf:Description xmlns:dc="http://purl.org/dc/elements/1.1/"><dc:creator><rdf:Seq><rdf:li>${SOURCE.xmpCreator}</rdf:li></rdf:Seq></dc:creator></rdf:Description></rdf:RDF></x:xmpmeta><?xpacket end="w"?>`;
  return sharp(await noisyJpeg(width, height))
    .withExif({
      IFD0: { Artist: SOURCE.artist, Make: "PhoneMaker", Model: "Phone 15" },
      IFD3: { GPSLatitudeRef: "N", GPSLatitude: SOURCE.latitude, GPSLongitudeRef: "E", GPSLongitude: "30/1 31/1 12/1" },
    })
    .withXmp(xmp)
    .withMetadata({ orientation })
    .jpeg({ quality: 90 })
    .toBuffer();
}

export async function png(width: number, height: number, alpha = false): Promise<Buffer> {
  return sharp({ create: { width, height, channels: alpha ? 4 : 3, background: { r: 200, g: 30, b: 30, alpha: alpha ? 0.5 : 1 } } })
    .png()
    .toBuffer();
}
