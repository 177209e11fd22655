// Shared by the tier and identity screens: the quota form and the metric
// list, which is optional (an Admin API without quotas has no /Metrics).
import { el, field, formValues, select } from "./dom.js";
import { ApiError } from "./api.js";

export const periods = ["Hour", "Day", "Week", "Month", "Year", "Total"];

export async function metrics(api) {
  try {
    return (await api.get("/Metrics")) || [];
  } catch (err) {
    if (err instanceof ApiError && (err.status === 404 || err.status === 405)) return null;
    throw err;
  }
}

// quotaForm posts {metricKey, max, period} to path; null metrics means the
// API offers no quotas, and no form is shown.
export function quotaForm(ctx, id, metricList, path, done) {
  if (!metricList) return el("p", { class: "empty", text: "This Admin API offers no quotas." });
  const form = el("form", { id, class: "card" },
    field("Metric", select("metricKey", metricList.map((m) => [m.key, m.displayName || m.key]))),
    field("Max", el("input", { name: "max", type: "number", min: "1", required: true })),
    field("Period", select("period", periods.map((p) => [p, p]), "Month")),
    el("button", { type: "submit", text: "Add quota" }));
  form.addEventListener("submit", ctx.action(async () => {
    const v = formValues(form);
    await ctx.api.post(path, { metricKey: v.metricKey, max: Number(v.max), period: v.period });
    done();
    await ctx.refresh();
  }));
  return form;
}
