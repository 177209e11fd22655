// DOM helpers. Everything that comes from the API enters the page through
// these as text nodes or attribute values, never as markup.

// el builds an element. props: "class", "text", "on<event>" listeners,
// "dataset" (object), boolean properties (hidden, disabled, checked,
// selected, required) and any other string attribute. Links may point only
// inside the UI (href starting with "#").
export function el(tag, props, ...children) {
  const node = document.createElement(tag);
  for (const [name, value] of Object.entries(props || {})) {
    if (value === undefined || value === null || value === false) continue;
    if (name === "class") node.className = value;
    else if (name === "text") node.textContent = String(value);
    else if (name === "dataset") Object.assign(node.dataset, value);
    else if (name.startsWith("on")) node.addEventListener(name.slice(2), value);
    else if (["hidden", "disabled", "checked", "selected", "required"].includes(name)) node[name] = Boolean(value);
    else if (name === "value") node.value = String(value);
    else if (name === "href") {
      if (!String(value).startsWith("#")) throw new Error("adminui: only in-app links are allowed");
      node.setAttribute("href", value);
    } else node.setAttribute(name, String(value));
  }
  append(node, children);
  return node;
}

// append adds children to node as el does: strings become text nodes,
// arrays are flattened, null, undefined and false are skipped (the DOM's
// own append would insert them as the text "null").
export function append(node, children) {
  for (const child of children) {
    if (child === undefined || child === null || child === false) continue;
    if (Array.isArray(child)) append(node, child);
    else if (child instanceof Node) node.appendChild(child);
    else node.appendChild(document.createTextNode(String(child)));
  }
}

// table renders rows with columns [{title, cell(row) → node|string, class}].
export function table(columns, rows, emptyText) {
  if (!rows || rows.length === 0) return el("p", { class: "empty", text: emptyText || "Nothing here yet." });
  return el("table", {},
    el("thead", {}, el("tr", {}, columns.map((c) => el("th", { text: c.title })))),
    el("tbody", {}, rows.map((row) => el("tr", { dataset: c0key(columns, row) },
      columns.map((c) => el("td", { class: c.class }, c.cell(row)))))));
}

function c0key(columns, row) {
  const key = columns.find((c) => c.key)?.key;
  return key ? { key: String(row[key] ?? "") } : {};
}

export function field(label, input, cls) {
  return el("label", { class: cls }, label, input);
}

export function select(name, options, selected) {
  return el("select", { name }, options.map(([value, text]) =>
    el("option", { value, text, selected: value === selected })));
}

// when formats an API timestamp in the operator's locale and zone.
export function when(iso) {
  if (!iso) return "";
  const d = new Date(iso);
  return isNaN(d) ? String(iso) : d.toLocaleString();
}

export function formValues(form) {
  const out = {};
  for (const [k, v] of new FormData(form).entries()) out[k] = typeof v === "string" ? v.trim() : v;
  return out;
}

// mount appends children to a screen's root (see append).
export function mount(node, ...children) {
  append(node, children);
}

// pagedTable is a table over a paged Admin API list that pages by itself
// (without re-rendering the screen): load(pageNumber) returns the
// {result, pagination} of Api.getPaged. It returns the container at once
// and fills it when the first page arrives.
export function pagedTable(ctx, id, columns, load, emptyText) {
  const box = el("div", { id, class: "paged" }, el("p", { class: "empty", text: "Loading…" }));
  async function show(page) {
    try {
      const { result, pagination } = await load(page);
      const pages = pagination?.totalPages ?? 1;
      box.replaceChildren(table(columns, result, emptyText));
      if (pages > 1) {
        box.append(el("div", { class: "pager" },
          el("button", { type: "button", class: "secondary", text: "← Previous", disabled: page <= 1, onclick: () => show(page - 1) }),
          el("span", { text: `Page ${page} of ${pages} (${pagination.totalRecords})` }),
          el("button", { type: "button", class: "secondary", text: "Next →", disabled: page >= pages, onclick: () => show(page + 1) })));
      }
    } catch (err) {
      box.replaceChildren();
      ctx.fail(err);
    }
  }
  show(1);
  return box;
}
