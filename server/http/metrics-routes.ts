import { timingSafeEqual } from "node:crypto";
import type { IncomingMessage } from "node:http";
import { Router, type RequestHandler } from "express";
import proxyaddr from "proxy-addr";
import { secretHash } from "../auth/secrets.js";
import type { Metrics } from "../metrics.js";
import { ApiError } from "./errors.js";
import { isWrite } from "./write-traffic.js";

const isLoopback = proxyaddr.compile("loopback");
/** Headers a proxy adds when it relays a request: then the loopback peer is the proxy, not the client. */
const FORWARDING_HEADERS = ["forwarded", "x-forwarded-for", "x-real-ip"];

/**
 * `GET /metrics`, Prometheus text, for the operator only: it shows live traffic, failed and
 * throttled sign-ins included. Served to a client on this host (judged by the TCP peer address,
 * never by X-Forwarded-For, and not when a proxy on this host relays the request) and to
 * `Authorization: Bearer METRICS_TOKEN` from anywhere (Prometheus's `authorization` setting).
 */
export function metricsRoutes(metrics: Metrics, options: { token?: string | undefined } = {}): Router {
  const router = Router();
  router.get("/metrics", metricsAccess(options.token), async (_req, res) => {
    res.setHeader("Cache-Control", "no-store");
    res.type(metrics.contentType).send(await metrics.text());
  });
  return router;
}

function metricsAccess(token: string | undefined): RequestHandler {
  const expected = token === undefined ? undefined : Buffer.from(secretHash(token));
  return (req, _res, next) => {
    const bearer = /^Bearer ([\x21-\x7E]+)$/i.exec(req.get("authorization") ?? "")?.[1];
    if (expected && bearer !== undefined && timingSafeEqual(Buffer.from(secretHash(bearer)), expected)) return next();
    if (fromThisHost(req)) return next();
    if (expected) throw new ApiError(401, "unauthorized", "Send Authorization: Bearer <METRICS_TOKEN> to read the metrics.");
    throw new ApiError(403, "forbidden", "The metrics are served to this host only; set METRICS_TOKEN to scrape them from elsewhere.");
  };
}

function fromThisHost(req: IncomingMessage): boolean {
  const peer = req.socket.remoteAddress;
  return peer !== undefined && isLoopback(peer, 0) && FORWARDING_HEADERS.every((name) => req.headers[name] === undefined);
}

/** Times each story write from request to answer; only acknowledged ones count, failures answer early. */
export function timeWrites(metrics: Metrics): RequestHandler {
  return (req, res, next) => {
    if (!isWrite(req.method)) return next();
    const end = metrics.writeDuration.startTimer();
    res.once("finish", () => {
      if (res.statusCode < 300) end();
    });
    next();
  };
}
