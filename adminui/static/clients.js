// Clients: list, create (the secret is shown once), change secret, change
// default tier and identity limit, delete.
import { el, field, formValues, mount, select, table, when } from "./dom.js";

function secretNotice(text, client) {
  return el("div", { class: "notice", role: "status", id: "client-secret-notice" },
    el("p", { text }),
    el("p", {}, "Client secret (shown only now): ", el("span", { class: "secret", id: "client-secret", text: client.clientSecret })));
}

export async function list(ctx, root) {
  const [clients, tiers] = await Promise.all([ctx.api.get("/Clients"), ctx.api.get("/Tiers")]);
  const defaultTiers = (tiers || []).filter((t) => t.canBeUsedAsDefaultForClient !== false);
  const tierOptions = defaultTiers.map((t) => [t.id, t.name]);
  const basic = defaultTiers.find((t) => t.name === "Basic");

  const create = el("form", { id: "create-client", class: "card" },
    field("Client ID", el("input", { name: "clientId", placeholder: "generated when empty", maxlength: "200" })),
    field("Display name", el("input", { name: "displayName", placeholder: "the client ID when empty", maxlength: "200" })),
    field("Client secret", el("input", { name: "clientSecret", placeholder: "generated when empty", autocomplete: "off" })),
    field("Default tier", select("defaultTier", tierOptions, basic?.id)),
    field("Max identities", el("input", { name: "maxIdentities", type: "number", min: "0", placeholder: "unlimited" })),
    el("button", { type: "submit", text: "Create client" }));
  create.addEventListener("submit", ctx.action(async () => {
    const v = formValues(create);
    const body = { defaultTier: v.defaultTier };
    if (v.clientId) body.clientId = v.clientId;
    if (v.displayName) body.displayName = v.displayName;
    if (v.clientSecret) body.clientSecret = v.clientSecret;
    if (v.maxIdentities !== "") body.maxIdentities = Number(v.maxIdentities);
    const created = await ctx.api.post("/Clients", body);
    ctx.flash(secretNotice(`Client ${created.clientId} created.`, created));
    await ctx.refresh();
  }));

  const edit = el("form", { id: "edit-client", class: "card", hidden: true });
  function openEdit(c) {
    const tierID = c.defaultTier && typeof c.defaultTier === "object" ? c.defaultTier.id : c.defaultTier;
    edit.replaceChildren(
      el("strong", { text: `Edit ${c.clientId}` }),
      field("Default tier", select("defaultTier", tierOptions, tierID)),
      field("Max identities", el("input", { name: "maxIdentities", type: "number", min: "0", placeholder: "unlimited", value: c.maxIdentities ?? "" })),
      el("button", { type: "submit", text: "Save" }),
      el("button", { type: "button", class: "secondary", text: "Cancel", onclick: () => { edit.hidden = true; } }));
    edit.onsubmit = ctx.action(async () => {
      const v = formValues(edit);
      await ctx.api.put(`/Clients/${encodeURIComponent(c.clientId)}`, {
        defaultTier: v.defaultTier, maxIdentities: v.maxIdentities === "" ? null : Number(v.maxIdentities),
      });
      ctx.flash(el("div", { class: "notice", role: "status", text: `Client ${c.clientId} updated.` }));
      await ctx.refresh();
    });
    edit.hidden = false;
    edit.scrollIntoView();
  }

  const rows = table([
    { title: "Client ID", class: "mono", key: "clientId", cell: (c) => c.clientId },
    { title: "Display name", cell: (c) => c.displayName },
    { title: "Default tier", cell: (c) => (c.defaultTier && typeof c.defaultTier === "object" ? c.defaultTier.name : c.defaultTier) },
    { title: "Identities", cell: (c) => (c.maxIdentities == null ? String(c.numberOfIdentities ?? 0) : `${c.numberOfIdentities ?? 0} / ${c.maxIdentities}`) },
    { title: "Created", cell: (c) => when(c.createdAt) },
    {
      title: "", class: "actions", cell: (c) => [
        el("button", { type: "button", class: "secondary", text: "Change secret", onclick: ctx.action(async () => {
          if (!window.confirm(`Generate a new secret for ${c.clientId}? The old one stops working.`)) return;
          const changed = await ctx.api.patch(`/Clients/${encodeURIComponent(c.clientId)}/ChangeSecret`, { newSecret: "" });
          ctx.flash(secretNotice(`New secret for ${changed.clientId}.`, changed));
          await ctx.refresh();
        }) }),
        el("button", { type: "button", class: "secondary", text: "Edit", onclick: () => openEdit(c) }),
        el("button", { type: "button", class: "danger", text: "Delete", onclick: ctx.action(async () => {
          if (!window.confirm(`Delete client ${c.clientId}?`)) return;
          await ctx.api.del(`/Clients/${encodeURIComponent(c.clientId)}`);
          ctx.flash(el("div", { class: "notice", role: "status", text: `Client ${c.clientId} deleted.` }));
          await ctx.refresh();
        }) }),
      ],
    },
  ], clients, "No clients yet.");

  mount(root, el("h1", { text: "Clients" }), el("h2", { text: "New client" }), create, edit,
    el("h2", { text: "All clients" }), el("div", { id: "clients-table" }, rows));
}
