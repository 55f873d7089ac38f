import { Router, type RequestHandler } from "express";
import { RateLimiterRes } from "rate-limiter-flexible";
import { endpointRefusal, PushSubscriptionBody, PushUnsubscribeBody } from "../../shared/push-subscription.js";
import { isP256PublicKey } from "../push/reader-key.js";
import { SubscriptionLimit, type SubscriptionCaps } from "../push/subscription-caps.js";
import type { WebPush } from "../push/web-push.js";
import type { MakeLimiter } from "../rate-limiters.js";
import type { Store } from "../store/store.js";
import { rateLimited } from "../../shared/error-codes.js";
import type { PushSubscribersResponse } from "../../shared/api.js";
import { requireRole } from "./auth.js";
import { ApiError, parseOr400 } from "./errors.js";
import { storyIdOf } from "./params.js";
import { jsonRequest } from "./write-routes.js";

/** A subscription is under 1 KB of JSON; a little room for what browsers may add. */
const SUBSCRIPTION_BODY_BYTES = 4096;
/** Subscription changes per client address a minute: a reader makes one or two per story. */
const CHANGES_PER_ADDRESS_PER_MINUTE = 20;

/**
 * Readers' Web Push routes (DESIGN.md §3): the VAPID public key, and subscribing a browser to a
 * story's breaking-news alerts or unsubscribing it. The endpoint is a URL the server will post to,
 * so only an https URL on PUSH_SERVICES is taken; bodies are small and each address is rate limited.
 */
export function pushRoutes(store: Store, push: WebPush, settings: { services: readonly string[]; caps: SubscriptionCaps }, makeLimiter: MakeLimiter): Router {
  const router = Router();
  const { services, caps } = settings;
  const limit = new SubscriptionLimit(store.push, caps);
  const perAddress = makeLimiter("push-subscriptions", { points: CHANGES_PER_ADDRESS_PER_MINUTE, duration: 60 });
  const enabled: RequestHandler = (_req, _res, next) => {
    if (!push.enabled) throw new ApiError(404, "push_unavailable", "This server sends no alerts (its operator has not set PUSH_CONTACT).");
    next();
  };
  const limited: RequestHandler = async (req, res, next) => {
    try {
      await perAddress.consume(req.ip ?? "unknown");
    } catch (rejection) {
      if (!(rejection instanceof RateLimiterRes)) throw rejection;
      throw rateLimited(rejection.msBeforeNext, `Too many alert subscriptions from this address: at most ${CHANGES_PER_ADDRESS_PER_MINUTE} a minute.`);
    }
    next();
  };
  const json = jsonRequest(SUBSCRIPTION_BODY_BYTES);
  const storyOr404 = async (storyId: string) => {
    if (!(await store.latest(storyId))) throw new ApiError(404, "story_not_found", `No story "${storyId}".`);
  };

  router.get("/push/key", enabled, async (_req, res) => {
    res.json({ publicKey: (await push.keys()).publicKey });
  });

  // The desk's count (editors and admins; additive to DESIGN.md): a number, never the endpoints.
  // Answered on a server that sends no alerts too (`alerts: false`): every desk asks, and an
  // error status would be an error in every desk's console.
  router.get("/stories/:id/push-subscriptions", requireRole("editor", "admin"), async (req, res) => {
    const storyId = storyIdOf(req);
    await storyOr404(storyId);
    res.setHeader("Cache-Control", "no-store");
    const subscribers = push.enabled ? await store.push.subscriberCount(storyId) : 0;
    res.json({ storyId, alerts: push.enabled, subscribers } satisfies PushSubscribersResponse);
  });

  router.post("/stories/:id/push-subscriptions", enabled, limited, ...json, async (req, res) => {
    const storyId = storyIdOf(req);
    const body = parseOr400(PushSubscriptionBody, req.body, "push subscription");
    const refusal = endpointRefusal(body.endpoint, services);
    if (refusal) throw new ApiError(400, "push_endpoint_refused", `The subscription's endpoint ${refusal}.`);
    if (!isP256PublicKey(body.keys.p256dh)) {
      throw new ApiError(400, "validation_failed", "The subscription's keys.p256dh is not a P-256 public key.", { issues: [{ path: "keys.p256dh", message: "is not a P-256 public key" }] });
    }
    await storyOr404(storyId);
    const record = { storyId, endpoint: body.endpoint, p256dh: body.keys.p256dh, auth: body.keys.auth };
    // Full: a browser already subscribed may still renew its keys; nobody new is stored.
    const full = await limit.full(storyId);
    if (!(await store.push.subscribe(record, { renewOnly: full !== undefined }))) {
      const cap = full === "story" ? `${caps.perStory.toLocaleString("en")} for this story` : `${caps.total.toLocaleString("en")} on this server`;
      throw new ApiError(503, "push_subscriptions_full", `No more alert subscriptions are taken now (at most ${cap}).`);
    }
    if (!full) limit.added(storyId);
    res.status(201).json({ storyId, endpoint: body.endpoint });
  });

  router.delete("/stories/:id/push-subscriptions", enabled, limited, ...json, async (req, res) => {
    const storyId = storyIdOf(req);
    const { endpoint } = parseOr400(PushUnsubscribeBody, req.body, "push subscription");
    await storyOr404(storyId);
    // Answered alike whether it was stored or not: nobody learns which endpoints follow a story.
    await store.push.unsubscribe(storyId, endpoint);
    res.status(204).end();
  });

  return router;
}
