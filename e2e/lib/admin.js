"use strict";

// The operator's side: the Admin API (/api/v1) over plain fetch, as the
// reference's admin UI and C# SDK call it: X-API-KEY on every request and,
// for POST/PUT/PATCH/DELETE, the XSRF pair from GET /api/v1/xsrf (the token
// in X-XSRF-TOKEN, the X-XSRF-COOKIE cookie beside it). The dev landscape's
// key is "test"; ADMIN_API_KEY overrides it.

const { readEnv } = require("./config");

const DEFAULT_ADMIN_API_KEY = "test";

function adminApiKey(env = process.env) {
    return env.ADMIN_API_KEY || DEFAULT_ADMIN_API_KEY;
}

/** Fetches a fresh XSRF pair: { token, cookie } (cookie as "name=value"). */
async function xsrf(baseUrl) {
    const res = await fetch(`${baseUrl}/api/v1/xsrf`);
    const token = (await res.text()).trim();
    if (res.status !== 200) throw new Error(`GET /api/v1/xsrf: ${res.status} ${token}`);
    const cookie = res.headers
        .getSetCookie()
        .map((c) => c.split(";")[0])
        .find((c) => c.startsWith("X-XSRF-COOKIE="));
    if (!cookie) throw new Error("GET /api/v1/xsrf set no X-XSRF-COOKIE cookie");
    return { token, cookie };
}

/**
 * Calls the Admin API; resolves with { status, json, text }. Unsafe
 * methods get the XSRF pair; `headers` may override anything.
 */
async function adminRequest(method, path, body, { headers = {} } = {}) {
    const { baseUrl } = readEnv();
    const h = { "X-API-KEY": adminApiKey(), Accept: "application/json" };
    if (!["GET", "HEAD"].includes(method)) {
        const pair = await xsrf(baseUrl);
        h["X-XSRF-TOKEN"] = pair.token;
        h.Cookie = pair.cookie;
    }
    if (body !== undefined) h["Content-Type"] = "application/json";
    const res = await fetch(`${baseUrl}${path}`, {
        method,
        headers: { ...h, ...headers },
        body: body === undefined ? undefined : JSON.stringify(body)
    });
    const text = await res.text();
    let json;
    try {
        json = text ? JSON.parse(text) : undefined;
    } catch (_) {
        json = undefined;
    }
    return { status: res.status, json, text };
}

module.exports = { DEFAULT_ADMIN_API_KEY, adminApiKey, adminRequest, xsrf };
