// The Admin API client: X-API-KEY on every call, the XSRF token on unsafe
// ones, the {"result": …} envelope unwrapped and {"error": …} turned into
// an ApiError.

export class Unauthorized extends Error {}

export class ApiError extends Error {
  constructor(status, code, message) {
    super(message || code || `HTTP ${status}`);
    this.status = status;
    this.code = code || "";
  }
}

export class Api {
  constructor(base, key) {
    this.base = base;
    this.key = key;
    this.xsrf = null;
  }

  // validateKey asks the API whether key is the configured one; it is the
  // one call made before a key is known.
  static async validateKey(base, key) {
    const res = await fetch(`${base}/ValidateApiKey`, {
      method: "POST",
      credentials: "same-origin",
      headers: { "Content-Type": "application/json", "X-XSRF-TOKEN": await fetchXsrf(base) },
      body: JSON.stringify({ apiKey: key }),
    });
    if (!res.ok) throw new ApiError(res.status, "", `The API answered ${res.status}.`);
    const body = await res.json();
    return body && body.isValid === true;
  }

  get(path) { return this.call("GET", path); }
  post(path, body) { return this.call("POST", path, body); }
  put(path, body) { return this.call("PUT", path, body); }
  patch(path, body) { return this.call("PATCH", path, body); }
  del(path) { return this.call("DELETE", path); }

  // getPaged returns {result, pagination}; pagination is null for a
  // single page, as the envelope leaves it out then.
  async getPaged(path) {
    const body = await this.call("GET", path, undefined, { raw: true });
    return { result: body?.result || [], pagination: body?.pagination || null };
  }

  // call returns the envelope's result, or with opts.raw the whole body.
  async call(method, path, body, opts, retried) {
    opts = opts || {};
    const headers = { "X-API-KEY": this.key, Accept: "application/json" };
    if (method !== "GET") {
      if (!this.xsrf) this.xsrf = await fetchXsrf(this.base);
      headers["X-XSRF-TOKEN"] = this.xsrf;
    }
    if (body !== undefined) headers["Content-Type"] = "application/json";
    const res = await fetch(this.base + path, {
      method, headers, credentials: "same-origin",
      body: body === undefined ? undefined : JSON.stringify(body),
    });
    if (res.status === 401) throw new Unauthorized("The API key is no longer accepted.");
    const text = await res.text();
    let data = null;
    if (text) {
      try { data = JSON.parse(text); } catch { data = null; }
    }
    if (!res.ok) {
      const err = data && data.error;
      const detail = data && data.detail;
      // A stale XSRF token (cookie expired, server restarted) is fetched
      // again once.
      if (!retried && res.status === 400 && (detail === "xsrf-token-may-be-invalid" || /xsrf/i.test(err?.code || ""))) {
        this.xsrf = null;
        return this.call(method, path, body, opts, true);
      }
      throw new ApiError(res.status, err?.code, err?.message || detail || data?.title || `The API answered ${res.status}.`);
    }
    if (opts.raw) return data;
    return data ? data.result : null;
  }
}

async function fetchXsrf(base) {
  const res = await fetch(`${base}/xsrf`, { credentials: "same-origin" });
  if (!res.ok) throw new ApiError(res.status, "", `Could not get an XSRF token (${res.status}).`);
  const text = (await res.text()).trim();
  // Plain text per the reference; tolerate a JSON string too.
  if (text.startsWith("\"")) {
    try { return JSON.parse(text); } catch { /* fall through */ }
  }
  return text;
}
