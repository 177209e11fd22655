// Announcements: list, create, delete.
import { el, field, formValues, mount, select, table, when } from "./dom.js";

const severities = ["Low", "Medium", "High"];

function englishTitle(a) {
  const texts = a.texts || [];
  return (texts.find((t) => t.language === "en") || texts[0] || {}).title || "";
}

export async function list(ctx, root) {
  const announcements = await ctx.api.get("/Announcements");

  const create = el("form", { id: "create-announcement", class: "card grid" },
    field("Severity", select("severity", severities.map((s) => [s, s]), "Low")),
    field("Expires at (optional)", el("input", { name: "expiresAt", type: "datetime-local" })),
    el("label", { class: "check" }, el("input", { name: "isSilent", type: "checkbox", value: "true" }), "Silent (no push notification)"),
    field("English title", el("input", { name: "enTitle", required: true })),
    field("English body", el("textarea", { name: "enBody", required: true }), "span2"),
    field("Other language (ISO 639-1, optional)", el("input", { name: "lang", maxlength: "2", placeholder: "de" })),
    field("Title in that language", el("input", { name: "langTitle" })),
    field("Body in that language", el("textarea", { name: "langBody" })),
    field("Recipients (addresses, empty for everyone)", el("textarea", { name: "recipients", placeholder: "did:e:…" }), "span2"),
    field("IQL query (silent announcements only)", el("input", { name: "iqlQuery", maxlength: "1000" })),
    el("div", {}, el("button", { type: "submit", text: "Create announcement" })));
  create.addEventListener("submit", ctx.action(async () => {
    const v = formValues(create);
    const texts = [{ language: "en", title: v.enTitle, body: v.enBody }];
    if (v.lang) texts.push({ language: v.lang.toLowerCase(), title: v.langTitle, body: v.langBody });
    const body = {
      severity: v.severity,
      isSilent: v.isSilent === "true",
      texts,
      recipients: (v.recipients || "").split(/[\s,;]+/).filter(Boolean),
      actions: [],
    };
    if (v.expiresAt) body.expiresAt = new Date(v.expiresAt).toISOString();
    if (v.iqlQuery) body.iqlQuery = v.iqlQuery;
    const created = await ctx.api.post("/Announcements", body);
    ctx.flash(el("div", { class: "notice", role: "status", text: `Announcement ${created.id} created.` }));
    await ctx.refresh();
  }));

  mount(root, el("h1", { text: "Announcements" }), el("h2", { text: "New announcement" }), create,
    el("h2", { text: "All announcements" }),
    table([
      { title: "ID", class: "mono", key: "id", cell: (a) => a.id },
      { title: "Title (en)", cell: (a) => englishTitle(a) },
      { title: "Severity", cell: (a) => a.severity },
      { title: "Silent", cell: (a) => (a.isSilent ? "yes" : "no") },
      { title: "Recipients", cell: (a) => ((a.recipients || []).length ? String(a.recipients.length) : "everyone") },
      { title: "Created", cell: (a) => when(a.createdAt) },
      { title: "Expires", cell: (a) => when(a.expiresAt) || "never" },
      {
        title: "", class: "actions", cell: (a) => el("button", { type: "button", class: "danger", text: "Delete", onclick: ctx.action(async () => {
          if (!window.confirm(`Delete announcement ${a.id}?`)) return;
          await ctx.api.del(`/Announcements/${encodeURIComponent(a.id)}`);
          ctx.flash(el("div", { class: "notice", role: "status", text: `Announcement ${a.id} deleted.` }));
          await ctx.refresh();
        }) }),
      },
    ], announcements, "No announcements."));
}
