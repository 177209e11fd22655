"use strict";

// Push notification helpers: what @nmshd/transport 7.0.0 does not have a
// class for. Registration (DeviceAuthClient / AccountController
// .registerPushNotificationToken) and POST /Notifications
// (BackboneNotificationsController and its BackboneNotificationsClient) are
// the package's own and are used directly by push.test.js; here are
//   * POST /Devices/Self/PushNotifications/SendTestNotification, through the
//     package's authenticated RESTClient base class (no client method in 7.0.0),
//   * a reader of the server-sent-event stream GET /api/v2/sse (the package has
//     no SSE client; the app runtime uses an EventSource), on Node's fetch,
//     authenticated with a token from the package's authenticator.

const { RESTClientAuthenticate } = require("@nmshd/transport");

const SSE_PATH = "/api/v2/sse";
const DEFAULT_WAIT_MS = 30_000;

/** SendTestNotification: not in the 7.0.0 DeviceAuthClient; the package's RESTClientAuthenticate does the HTTP. */
class PushTestNotificationClient extends RESTClientAuthenticate {
    async sendTestNotification(data) {
        return await this.post("/api/v2/Devices/Self/PushNotifications/SendTestNotification", data);
    }
}

/** A push handle of the given length (the server accepts 10 to 500 characters). */
function pushHandle(prefix, length = 64) {
    const base = `${prefix}-${Math.random().toString(36).slice(2)}-`;
    return base.padEnd(length, "x").slice(0, length);
}

/**
 * Parses a text/event-stream incrementally (WHATWG HTML "server-sent events":
 * lines end in LF, CRLF or CR; a blank line dispatches; `event`/`data`/`id`
 * fields; lines starting with ':' are comments).
 */
class EventStreamParser {
    constructor(onEvent) {
        this.onEvent = onEvent;
        this.buffer = "";
        this.reset();
    }

    reset() {
        this.eventName = "";
        this.data = [];
        this.id = undefined;
        this.hasFields = false;
    }

    push(text) {
        this.buffer += text;
        for (;;) {
            const match = /\r\n|\r|\n/.exec(this.buffer);
            // a lone CR at the end may be the first half of CRLF: wait for more
            if (!match || (match[0] === "\r" && match.index === this.buffer.length - 1)) return;
            const line = this.buffer.slice(0, match.index);
            this.buffer = this.buffer.slice(match.index + match[0].length);
            this.line(line);
        }
    }

    line(line) {
        if (line === "") {
            if (this.hasFields) this.onEvent({ name: this.eventName || "message", data: this.data.join("\n"), id: this.id, receivedAt: Date.now() });
            this.reset();
            return;
        }
        if (line.startsWith(":")) return;
        const colon = line.indexOf(":");
        const field = colon < 0 ? line : line.slice(0, colon);
        let value = colon < 0 ? "" : line.slice(colon + 1);
        if (value.startsWith(" ")) value = value.slice(1);
        this.hasFields = true;
        if (field === "event") this.eventName = value;
        else if (field === "data") this.data.push(value);
        else if (field === "id") this.id = value;
    }
}

/**
 * An open GET /api/v2/sse stream: every event received is kept in `events`
 * (in order); `waitFor` resolves as soon as a matching event arrives (bounded,
 * event-driven, no sleeps); `close()` aborts the request and waits for the
 * reader to stop.
 */
class EventStream {
    constructor(label, response, abortController) {
        this.label = label;
        this.response = response;
        this.status = response.status;
        this.contentType = response.headers.get("content-type");
        this.events = [];
        this.waiters = new Set();
        this.ended = false;
        this.endReason = undefined;
        this.abortController = abortController;
        this.done = this.read();
    }

    async read() {
        const reader = this.response.body.getReader();
        const decoder = new TextDecoder();
        const parser = new EventStreamParser((event) => {
            this.events.push(event);
            this.notify();
        });
        try {
            for (;;) {
                const { value, done } = await reader.read();
                if (done) {
                    this.endReason = "the server ended the stream";
                    break;
                }
                parser.push(decoder.decode(value, { stream: true }));
            }
        } catch (e) {
            this.endReason = this.abortController.signal.aborted ? "closed by the test" : `read error: ${e.message}`;
        } finally {
            this.ended = true;
            this.notify();
        }
    }

    notify() {
        for (const waiter of [...this.waiters]) waiter();
    }

    /** The names of the events received so far (optionally without keep-alives). */
    names({ withKeepAlive = false } = {}) {
        return this.events.map((e) => e.name).filter((n) => withKeepAlive || n !== "keep-alive");
    }

    /** The position after the last event received so far, for `waitFor({ after })`. */
    mark() {
        return this.events.length;
    }

    /**
     * Resolves with the first event named `name` at or after position `after`
     * (default 0); rejects when none arrives within `timeoutMs` (≤ 30 s) or
     * the stream ends.
     */
    waitFor(name, { after = 0, timeoutMs = DEFAULT_WAIT_MS, what } = {}) {
        const find = () => this.events.slice(after).find((e) => e.name === name);
        return new Promise((resolve, reject) => {
            const fail = (why) =>
                new Error(`${this.label}: ${what ?? `event '${name}'`} ${why}; events received: ${JSON.stringify(this.names({ withKeepAlive: true }))} (looked from position ${after})`);
            let timer;
            const check = () => {
                const found = find();
                if (found) {
                    finish();
                    resolve(found);
                } else if (this.ended) {
                    finish();
                    reject(fail(`did not arrive before the stream ended (${this.endReason})`));
                }
            };
            const finish = () => {
                clearTimeout(timer);
                this.waiters.delete(check);
            };
            timer = setTimeout(() => {
                finish();
                reject(fail(`did not arrive within ${timeoutMs} ms`));
            }, timeoutMs);
            this.waiters.add(check);
            check();
        });
    }

    async close() {
        this.abortController.abort();
        await this.done;
    }
}

/**
 * Opens GET /api/v2/sse with a bearer token (e.g. from the package's
 * authenticator, `await authenticator.getToken()`; none for an anonymous
 * request). Returns an EventStream when the server answers 200, else
 * `{ status, contentType, wwwAuthenticate, body, json }` of the refusal.
 */
async function openEventStream(config, { label = "stream", token, path = SSE_PATH } = {}) {
    const abortController = new AbortController();
    const headers = { Accept: "text/event-stream", "Cache-Control": "no-cache" };
    if (token) headers.Authorization = `Bearer ${token}`;
    const response = await fetch(`${config.baseUrl}${path}`, { headers, signal: abortController.signal });
    if (response.status !== 200) {
        const body = await response.text();
        let json;
        try {
            json = JSON.parse(body);
        } catch (_) {
            json = undefined;
        }
        return { status: response.status, contentType: response.headers.get("content-type"), wwwAuthenticate: response.headers.get("www-authenticate"), body, json };
    }
    return new EventStream(label, response, abortController);
}

/** Opens streams and closes every one of them at the end (register `closeAll` in an `after` hook). */
function streamRegistry() {
    const streams = new Set();
    return {
        async open(config, authenticator, label) {
            const stream = await openEventStream(config, { label, token: await authenticator.getToken() });
            if (stream instanceof EventStream) streams.add(stream);
            return stream;
        },
        async closeAll() {
            await Promise.all([...streams].map((s) => s.close().catch(() => {})));
            streams.clear();
        }
    };
}

module.exports = {
    SSE_PATH,
    PushTestNotificationClient,
    pushHandle,
    EventStreamParser,
    EventStream,
    openEventStream,
    streamRegistry
};
