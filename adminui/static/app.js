// The Admin UI: login, navigation and the frame the screens render into.
// Nothing but the login form is shown, and no Admin API data is requested,
// until the API has confirmed the key.
import { Api, Unauthorized } from "./api.js";
import { el } from "./dom.js";
import * as clients from "./clients.js";
import * as tiers from "./tiers.js";
import * as identities from "./identities.js";
import * as announcements from "./announcements.js";

const KEY = "openbackbone.admin.apiKey";
const base = document.querySelector('meta[name="admin-api-base"]').content;

const routes = [
  { nav: "Identities", hash: "#/identities", pattern: /^#\/identities$/, view: identities.list },
  { hash: "#/identities", pattern: /^#\/identities\/([^/]+)$/, view: identities.details },
  { nav: "Tiers", hash: "#/tiers", pattern: /^#\/tiers$/, view: tiers.list },
  { hash: "#/tiers", pattern: /^#\/tiers\/([^/]+)$/, view: tiers.details },
  { nav: "Clients", hash: "#/clients", pattern: /^#\/clients$/, view: clients.list },
  { nav: "Announcements", hash: "#/announcements", pattern: /^#\/announcements$/, view: announcements.list },
];
const home = "#/clients";

const $ = (id) => document.getElementById(id);
// Screens may keep state in a query after the route (#/identities?page=2).
const routePath = () => location.hash.split("?")[0];
let api = null;
let pendingNotice = null;
let renderSeq = 0;

const ctx = {
  get api() { return api; },
  // flash shows node above the next rendered screen (once).
  flash(node) { pendingNotice = node; },
  refresh() { return render(); },
  go(hash) {
    if (location.hash === hash) render();
    else location.hash = hash;
  },
  fail(err) {
    if (err instanceof Unauthorized) {
      logout(err.message);
      return;
    }
    const app = $("app");
    app.querySelector(":scope > .alert")?.remove();
    app.prepend(el("div", { class: "alert", role: "alert", text: err && err.message ? err.message : String(err) }));
    window.scrollTo(0, 0);
  },
  // run wraps a form or button action: errors are shown, the button is
  // disabled meanwhile so that nothing is sent twice.
  action(fn) {
    return async (event) => {
      event.preventDefault();
      const button = event.submitter || (event.currentTarget instanceof HTMLButtonElement ? event.currentTarget : null);
      if (button) button.disabled = true;
      try {
        await fn(event);
      } catch (err) {
        ctx.fail(err);
      } finally {
        if (button) button.disabled = false;
      }
    };
  },
};

function showLogin(message) {
  api = null;
  renderSeq++;
  $("app").replaceChildren();
  $("app").hidden = true;
  $("nav").replaceChildren();
  $("nav").hidden = true;
  $("logout").hidden = true;
  $("login").hidden = false;
  const error = $("login-error");
  error.textContent = message || "";
  error.hidden = !message;
  $("api-key").focus();
}

function logout(message) {
  sessionStorage.removeItem(KEY);
  showLogin(message);
}

function enter(key) {
  sessionStorage.setItem(KEY, key);
  api = new Api(base, key);
  $("login").hidden = true;
  $("api-key").value = "";
  $("nav").replaceChildren(...routes.filter((r) => r.nav).map((r) => el("a", { href: r.hash, text: r.nav })));
  $("nav").hidden = false;
  $("logout").hidden = false;
  $("app").hidden = false;
  if (!routes.some((r) => r.pattern.test(routePath()))) location.hash = home;
  else render();
}

async function render() {
  if (!api) return;
  const seq = ++renderSeq;
  const route = routes.find((r) => r.pattern.test(routePath()));
  if (!route) {
    location.hash = home;
    return;
  }
  const params = route.pattern.exec(routePath()).slice(1).map(decodeURIComponent);
  for (const a of $("nav").querySelectorAll("a")) a.classList.toggle("active", a.getAttribute("href") === route.hash);
  const notice = pendingNotice;
  pendingNotice = null;
  const root = el("div", { class: "screen" });
  try {
    await route.view(ctx, root, ...params);
  } catch (err) {
    if (seq !== renderSeq) return;
    if (err instanceof Unauthorized) {
      logout(err.message);
      return;
    }
    root.replaceChildren(el("div", { class: "alert", role: "alert", text: err.message || String(err) }));
  }
  // A newer navigation or a logout happened while this one loaded.
  if (seq !== renderSeq || !api) return;
  $("app").replaceChildren(...(notice ? [notice] : []), root);
}

async function start() {
  $("login-form").addEventListener("submit", async (event) => {
    event.preventDefault();
    const key = $("api-key").value;
    const button = event.submitter;
    if (button) button.disabled = true;
    try {
      if (await Api.validateKey(base, key)) enter(key);
      else showLogin("This API key is not valid.");
    } catch (err) {
      showLogin(`Could not check the API key: ${err.message}`);
    } finally {
      if (button) button.disabled = false;
    }
  });
  $("logout").addEventListener("click", () => logout());
  window.addEventListener("hashchange", render);

  // A key from earlier in this tab is checked again: it may have been
  // rotated since.
  const saved = sessionStorage.getItem(KEY);
  if (saved) {
    try {
      if (await Api.validateKey(base, saved)) {
        enter(saved);
        return;
      }
    } catch {
      // fall through to the login
    }
    sessionStorage.removeItem(KEY);
  }
  showLogin();
}

start();
