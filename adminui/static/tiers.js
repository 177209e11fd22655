// Tiers: list, create, delete; a tier's quotas.
import { el, field, formValues, mount, table } from "./dom.js";
import { metrics, quotaForm } from "./quotas.js";

const yesNo = (b) => (b ? "yes" : "no");

export async function list(ctx, root) {
  const tiers = await ctx.api.get("/Tiers");
  const create = el("form", { id: "create-tier", class: "card" },
    field("Name", el("input", { name: "name", required: true, minlength: "3", maxlength: "30" })),
    el("button", { type: "submit", text: "Create tier" }));
  create.addEventListener("submit", ctx.action(async () => {
    const created = await ctx.api.post("/Tiers", { name: formValues(create).name });
    ctx.flash(el("div", { class: "notice", role: "status", text: `Tier ${created.name} created.` }));
    await ctx.refresh();
  }));
  mount(root, el("h1", { text: "Tiers" }), el("h2", { text: "New tier" }), create, el("h2", { text: "All tiers" }),
    table([
      { title: "Name", key: "id", cell: (t) => el("a", { href: `#/tiers/${encodeURIComponent(t.id)}`, text: t.name }) },
      { title: "ID", class: "mono", cell: (t) => t.id },
      { title: "Identities", cell: (t) => String(t.numberOfIdentities ?? 0) },
      { title: "Default for clients", cell: (t) => yesNo(t.canBeUsedAsDefaultForClient) },
      { title: "Manually assignable", cell: (t) => yesNo(t.canBeManuallyAssigned) },
      {
        title: "", class: "actions", cell: (t) => el("button", { type: "button", class: "danger", text: "Delete", onclick: ctx.action(async () => {
          if (!window.confirm(`Delete tier ${t.name}?`)) return;
          await ctx.api.del(`/Tiers/${encodeURIComponent(t.id)}`);
          ctx.flash(el("div", { class: "notice", role: "status", text: `Tier ${t.name} deleted.` }));
          await ctx.refresh();
        }) }),
      },
    ], tiers, "No tiers."));
}

export async function details(ctx, root, id) {
  const path = `/Tiers/${encodeURIComponent(id)}`;
  const [tier, metricList] = await Promise.all([ctx.api.get(path), metrics(ctx.api)]);
  mount(root,
    el("p", {}, el("a", { href: "#/tiers", text: "← Tiers" })),
    el("h1", { text: `Tier ${tier.name}` }),
    el("dl", { class: "card" }, el("dt", { text: "ID" }), el("dd", { class: "mono", text: tier.id }), el("dt", { text: "Name" }), el("dd", { text: tier.name })),
    el("h2", { text: "Quotas" }),
    table([
      { title: "Metric", key: "id", cell: (q) => q.metric?.displayName || q.metric?.key || "" },
      { title: "Max", cell: (q) => String(q.max) },
      { title: "Period", cell: (q) => q.period },
      {
        title: "", class: "actions", cell: (q) => el("button", { type: "button", class: "danger", text: "Delete", onclick: ctx.action(async () => {
          if (!window.confirm("Delete this quota?")) return;
          await ctx.api.del(`${path}/Quotas/${encodeURIComponent(q.id)}`);
          await ctx.refresh();
        }) }),
      },
    ], tier.quotas, "This tier has no quotas."),
    el("h2", { text: "Add a quota" }),
    quotaForm(ctx, "add-tier-quota", metricList, `${path}/Quotas`, () => {
      ctx.flash(el("div", { class: "notice", role: "status", text: "Quota added." }));
    }));
}
