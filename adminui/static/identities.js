// Identities: a filtered, paged list and the details of one identity with
// its devices, quotas and deletion processes; the tier can be changed.
import { el, field, formValues, mount, pagedTable, select, table, when } from "./dom.js";
import { ApiError } from "./api.js";
import { metrics, quotaForm } from "./quotas.js";

const pageSize = 20;

// The list state lives in the hash query (#/identities?tier=…&page=2) so
// that the browser's back button and reloads keep it.
const filterKeys = ["address", "tier", "client", "from", "to", "order"];

function listState() {
  const q = new URLSearchParams(location.hash.split("?")[1] || "");
  const state = { page: Math.max(1, Number(q.get("page")) || 1) };
  for (const k of filterKeys) state[k] = q.get(k) || "";
  return state;
}

function listHash(state) {
  const q = new URLSearchParams();
  for (const k of filterKeys) if (state[k]) q.set(k, state[k]);
  if (state.page > 1) q.set("page", String(state.page));
  const s = q.toString();
  return s ? `#/identities?${s}` : "#/identities";
}

// dayStart turns a date input (YYYY-MM-DD, the operator's day) into the
// instant the API filters by.
const dayStart = (day) => new Date(`${day}T00:00:00`).toISOString();

// listPath is the Admin API query for state: exact address, tier, client,
// creation days (the "to" day included), order and page.
export function listPath(state) {
  const q = new URLSearchParams({ pageNumber: String(state.page), pageSize: String(pageSize) });
  if (state.address) q.set("address", state.address);
  if (state.tier) q.set("tierId", state.tier);
  if (state.client) q.set("clientId", state.client);
  if (state.from) q.set("createdAtFrom", dayStart(state.from));
  if (state.to) {
    const next = new Date(`${state.to}T00:00:00`);
    next.setDate(next.getDate() + 1);
    q.set("createdAtTo", next.toISOString());
  }
  q.set("orderBy", state.order || "createdAt desc");
  return `/Identities?${q}`;
}

export async function list(ctx, root) {
  const state = listState();
  const [page, tiers, clients] = await Promise.all([
    ctx.api.getPaged(listPath(state)),
    ctx.api.get("/Tiers"),
    ctx.api.get("/Clients"),
  ]);
  const rows = page.result;
  const pages = page.pagination?.totalPages ?? 1;
  const total = page.pagination?.totalRecords ?? rows.length;

  const filter = el("form", { id: "filter-identities", class: "card" },
    field("Address (exact)", el("input", { name: "address", value: state.address, placeholder: "did:e:…", size: "40" })),
    field("Tier", select("tier", [["", "any"], ...(tiers || []).map((t) => [t.id, t.name])], state.tier)),
    field("Client", select("client", [["", "any"], ...(clients || []).map((c) => [c.clientId, c.displayName || c.clientId])], state.client)),
    field("Created from", el("input", { name: "from", type: "date", value: state.from })),
    field("Created to", el("input", { name: "to", type: "date", value: state.to })),
    field("Order", select("order", [["createdAt desc", "newest first"], ["createdAt asc", "oldest first"], ["address asc", "address"]], state.order || "createdAt desc")),
    el("button", { type: "submit", text: "Filter" }));
  filter.addEventListener("submit", (event) => {
    event.preventDefault();
    ctx.go(listHash({ ...formValues(filter), page: 1 }));
  });

  mount(root, el("h1", { text: "Identities" }), filter,
    el("div", { id: "identities-table" }, table([
      { title: "Address", class: "mono", key: "address", cell: (i) => el("a", { href: `#/identities/${encodeURIComponent(i.address)}`, text: i.address }) },
      { title: "Tier", cell: (i) => i.tier?.name || i.tier?.id || "" },
      { title: "Client", cell: (i) => i.createdWithClient || "" },
      { title: "Devices", cell: (i) => String(i.numberOfDevices ?? "") },
      { title: "Created", cell: (i) => when(i.createdAt) },
      { title: "Last login", cell: (i) => when(i.lastLoginAt) },
      { title: "Datawallet", cell: (i) => String(i.datawalletVersion ?? "") },
      { title: "Version", cell: (i) => String(i.identityVersion ?? "") },
    ], rows, "No identities match.")),
    el("div", { class: "pager" },
      el("button", { type: "button", class: "secondary", text: "← Previous", disabled: state.page <= 1, onclick: () => ctx.go(listHash({ ...state, page: state.page - 1 })) }),
      el("span", { text: `Page ${Math.min(state.page, pages)} of ${pages} (${total} identities)` }),
      el("button", { type: "button", class: "secondary", text: "Next →", disabled: state.page >= pages, onclick: () => ctx.go(listHash({ ...state, page: state.page + 1 })) })));
}

async function optional(promise) {
  try {
    return await promise;
  } catch (err) {
    if (err instanceof ApiError && (err.status === 404 || err.status === 405)) return null;
    throw err;
  }
}

export async function details(ctx, root, address) {
  const path = `/Identities/${encodeURIComponent(address)}`;
  const [identity, tiers, metricList, deletions, auditLog] = await Promise.all([
    ctx.api.get(path), ctx.api.get("/Tiers"), metrics(ctx.api),
    optional(ctx.api.get(`${path}/DeletionProcesses`)), optional(ctx.api.get(`${path}/DeletionProcesses/AuditLogs`)),
  ]);
  const tierName = (id) => (tiers || []).find((t) => t.id === id)?.name || id;
  const assignable = (tiers || []).filter((t) => t.canBeManuallyAssigned !== false && t.id !== identity.tierId);

  const changeTier = el("form", { id: "change-tier", class: "card" },
    field("New tier", select("tierId", assignable.map((t) => [t.id, t.name]))),
    el("button", { type: "submit", text: "Change tier", disabled: assignable.length === 0 }));
  changeTier.addEventListener("submit", ctx.action(async () => {
    const { tierId } = formValues(changeTier);
    await ctx.api.put(path, { tierId });
    ctx.flash(el("div", { class: "notice", role: "status", text: `Tier changed to ${tierName(tierId)}.` }));
    await ctx.refresh();
  }));

  mount(root,
    el("p", {}, el("a", { href: "#/identities", text: "← Identities" })),
    el("h1", { text: "Identity" }),
    el("dl", { class: "card" },
      el("dt", { text: "Address" }), el("dd", { class: "mono", text: identity.address }),
      el("dt", { text: "Client" }), el("dd", { text: identity.clientId || "" }),
      el("dt", { text: "Tier" }), el("dd", { text: tierName(identity.tierId) }),
      el("dt", { text: "Created" }), el("dd", { text: when(identity.createdAt) }),
      el("dt", { text: "Identity version" }), el("dd", { text: String(identity.identityVersion ?? "") }),
      el("dt", { text: "Public key" }), el("dd", { class: "mono", text: identity.publicKey || "" })),
    el("h2", { text: "Tier" }), changeTier,
    el("h2", { text: "Devices" }),
    table([
      { title: "ID", class: "mono", key: "id", cell: (d) => d.id },
      { title: "Username", class: "mono", cell: (d) => d.username },
      { title: "Created", cell: (d) => when(d.createdAt) },
      { title: "Created by", class: "mono", cell: (d) => d.createdByDevice || "" },
      { title: "Last login", cell: (d) => when(d.lastLogin?.time) },
      { title: "Language", cell: (d) => d.communicationLanguage || "" },
      { title: "Backup", cell: (d) => (d.isBackupDevice ? "yes" : "no") },
    ], identity.devices, "No devices."),
    el("h2", { text: "Quotas" }),
    table([
      { title: "Source", key: "id", cell: (q) => q.source },
      { title: "Metric", cell: (q) => q.metric?.displayName || q.metric?.key || "" },
      { title: "Usage", cell: (q) => `${q.usage ?? 0} / ${q.max}` },
      { title: "Period", cell: (q) => q.period },
      {
        title: "", class: "actions", cell: (q) => (q.source !== "Individual" ? "" : el("button", { type: "button", class: "danger", text: "Delete", onclick: ctx.action(async () => {
          if (!window.confirm("Delete this individual quota?")) return;
          await ctx.api.del(`${path}/Quotas/${encodeURIComponent(q.id)}`);
          await ctx.refresh();
        }) })),
      },
    ], identity.quotas, "No quotas apply."),
    el("h2", { text: "Add an individual quota" }),
    quotaForm(ctx, "add-identity-quota", metricList, `${path}/Quotas`, () => {
      ctx.flash(el("div", { class: "notice", role: "status", text: "Quota added." }));
    }),
    el("h2", { text: "Relationships" }),
    pagedTable(ctx, "identity-relationships", [
      { title: "Peer", class: "mono", key: "peer", cell: (r) => identityLink(r.peer) },
      { title: "Requested by", cell: (r) => (r.requestedBy === "Self" ? "this identity" : "the peer") },
      { title: "Status", cell: (r) => r.status },
      { title: "Created", cell: (r) => when(r.creationDate) },
      { title: "Answered", cell: (r) => when(r.answeredAt) },
    ], (page) => ctx.api.getPaged(`/Relationships?${new URLSearchParams({ participant: address, pageNumber: String(page), pageSize: "10" })}`), "No relationships."),
    ["Incoming", "Outgoing"].map((type) => [
      el("h2", { text: `${type} messages` }),
      pagedTable(ctx, `identity-messages-${type.toLowerCase()}`, [
        { title: "ID", class: "mono", key: "messageId", cell: (m) => m.messageId },
        { title: "Sender", class: "mono", cell: (m) => identityLink(m.senderAddress) },
        { title: "Recipients", class: "mono", cell: (m) => (m.recipients || []).map((r) => el("div", {}, identityLink(r.address), r.receivedAt ? "" : " (not received)")) },
        { title: "Sent", cell: (m) => when(m.sendDate) },
        { title: "Attachments", cell: (m) => String(m.numberOfAttachments ?? 0) },
      ], (page) => ctx.api.getPaged(`/Messages?${new URLSearchParams({ participant: address, type, pageNumber: String(page), pageSize: "10" })}`), "No messages."),
    ]),
    el("h2", { text: "Tokens" }),
    pagedTable(ctx, "identity-tokens", [
      { title: "ID", class: "mono", key: "id", cell: (k) => k.id },
      { title: "For", class: "mono", cell: (k) => (k.forIdentity ? identityLink(k.forIdentity) : "anyone") },
      { title: "Password", cell: (k) => (k.isPasswordProtected ? "yes" : "no") },
      { title: "Created", cell: (k) => when(k.createdAt) },
      { title: "Expires", cell: (k) => when(k.expiresAt) },
      {
        title: "", class: "actions", cell: (k) => (!k.isPasswordProtected ? "" : el("button", { type: "button", class: "secondary", text: "Unlock", title: "Reset the failed password attempts", onclick: ctx.action(async () => {
          await ctx.api.patch(`/Tokens/${encodeURIComponent(k.id)}/ResetAccessFailedCount`);
          ctx.flash(el("div", { class: "notice", role: "status", text: `Token ${k.id} unlocked.` }));
          await ctx.refresh();
        }) })),
      },
    ], (page) => ctx.api.getPaged(`/Tokens?${new URLSearchParams({ createdBy: address, pageNumber: String(page), pageSize: "10" })}`), "No tokens."),
    deletions === null ? null : [
      el("h2", { text: "Deletion processes" }),
      table([
        { title: "ID", class: "mono", key: "id", cell: (p) => p.id },
        { title: "Status", cell: (p) => p.status },
        { title: "Created", cell: (p) => when(p.createdAt) },
        { title: "Grace period ends", cell: (p) => when(p.gracePeriodEndsAt) },
        { title: "Reminders sent", cell: (p) => [p.gracePeriodReminder1SentAt, p.gracePeriodReminder2SentAt, p.gracePeriodReminder3SentAt].filter(Boolean).length.toString() },
      ], deletions, "No deletion processes."),
    ],
    auditLog === null ? null : [
      el("h2", { text: "Deletion audit log" }),
      table([
        { title: "When", key: "id", cell: (e) => when(e.createdAt) },
        { title: "Status", cell: (e) => [e.oldStatus, e.newStatus].filter(Boolean).join(" → ") },
        { title: "Event", cell: (e) => e.messageKey },
      ], auditLog, "No entries."),
    ]);
}

function identityLink(address) {
  if (!address) return "";
  return el("a", { href: `#/identities/${encodeURIComponent(address)}`, text: address });
}
