// The gutbrain explorer: controls -> scenario (the YAML schema as JSON) -> /api/compare ->
// plots against the unchanged reference. The whole scenario lives in the URL.
"use strict";

const $ = (id) => document.getElementById(id);
const form = $("controls");
const FIELDS = Array.from(form.querySelectorAll("input[name], select[name]"));
const DEFAULTS = Object.fromEntries(FIELDS.map((f) => [f.name, f.defaultValue ?? f.value]));
FIELDS.filter((f) => f.tagName === "SELECT").forEach((f) => {
  DEFAULTS[f.name] = (f.querySelector("option[selected]") || f.options[0]).value;
});
const PLOT_CONFIG = { responsive: true, displaylogo: false };
const SCEN = "#c0392b", REF = "#7f8c8d";
let lastResult = null, controller = null, timer = null;
window.explorerUpdates = 0;

// ---- state <-> URL ----------------------------------------------------------------------
function values() {
  return Object.fromEntries(FIELDS.map((f) => [f.name, f.value.trim()]));
}
function toUrl() {
  const q = new URLSearchParams();
  for (const [k, v] of Object.entries(values())) if (v !== DEFAULTS[k]) q.set(k, v);
  const s = q.toString();
  history.replaceState(null, "", s ? `?${s}` : location.pathname);
}
function fromUrl() {
  const q = new URLSearchParams(location.search);
  for (const f of FIELDS) if (q.has(f.name)) f.value = q.get(f.name);
}

// ---- the scenario -----------------------------------------------------------------------
const num = (v) => (v === "" ? NaN : Number(v));
function scenario(v = values()) {
  const days = num(v.days), start = num(v.start);
  const iv = [];
  if (v.diet !== "western" || v.fiber !== "") {
    const pattern = v.fiber === "" ? v.diet : { base: v.diet, fiber_g: num(v.fiber) };
    iv.push({ type: "diet", pattern, start_day: start });
  }
  if (num(v.fermented) !== 0)
    iv.push({ type: "fermented_food", servings_per_day: num(v.fermented), start_day: start });
  if (v.probiotic)
    iv.push({ type: "probiotic", genus: v.probiotic, cfu_per_day: num(v.cfu),
              start_day: start, days: 7 * num(v.probiotic_weeks) });
  if (v.prebiotic)
    iv.push({ type: "prebiotic", kind: v.prebiotic, g_per_day: num(v.prebiotic_g),
              start_day: start });
  if (num(v.stress) !== 0)
    iv.push({ type: "stress", level: num(v.stress), start_day: start,
              days: 7 * num(v.stress_weeks) });
  if (num(v.mindfulness) !== 0 || num(v.exercise) !== 0)
    iv.push({ type: "stress_reduction", mindfulness_min_per_day: num(v.mindfulness),
              exercise_min_per_week: num(v.exercise), start_day: start });
  // an infection is the usual reason for a course: one infection per course, the course from
  // the infection's second day; without an antibiotic, one untreated infection
  const crp = num(v.infection_crp);
  const courses = v.antibiotic ? num(v.courses) : 1;
  if (crp !== 0) {
    const inf = { type: "infection", day: start, crp_rise_mg_per_l: crp, episodes: courses };
    if (courses > 1) inf.interval_days = 30;
    iv.push(inf);
  }
  if (v.antibiotic) {
    const ab = { type: "antibiotic", class: v.antibiotic, start_day: crp !== 0 ? start + 2 : start,
                 days: 7, courses };
    if (courses > 1) ab.interval_days = 30;
    iv.push(ab);
  }
  return { name: "explorer", person: v.person, days, diet: "western", interventions: iv };
}

// ---- talking to the API -----------------------------------------------------------------
async function api(path, body, signal) {
  const r = await fetch(path, { method: body ? "POST" : "GET", signal,
    headers: body ? { "Content-Type": "application/json" } : {},
    body: body ? JSON.stringify(body) : undefined });
  if (!r.ok) {
    let detail = `${r.status} ${r.statusText}`;
    try { detail = (await r.json()).detail || detail; } catch (e) { /* not JSON */ }
    throw new Error(detail);
  }
  return r;
}
function showError(msg) {
  $("error").hidden = !msg;
  $("error").textContent = msg ? `Not simulated: ${msg}` : "";
}

async function update() {
  toUrl();
  if (controller) controller.abort();
  controller = new AbortController();
  const t0 = performance.now();
  $("status").textContent = "Simulating…";
  try {
    const r = await api("/api/compare", { scenario: scenario() }, controller.signal);
    const res = await r.json();
    showError("");
    lastResult = res;
    draw(res);
    $("status").textContent = `Simulated ${res.series.day.length} days twice (with and ` +
      `without your changes) in ${Math.round(performance.now() - t0)} ms.`;
    window.explorerUpdates += 1;
  } catch (e) {
    if (e.name === "AbortError") return;
    showError(e.message);
    $("status").textContent = "";
    window.explorerUpdates += 1;
  }
}
function schedule() {
  clearTimeout(timer);
  timer = setTimeout(update, 250);
}

// ---- plots ------------------------------------------------------------------------------
function windows(res, yref = "paper") {
  return res.interventions.map((w) => ({ type: "rect", xref: "x", yref, x0: w.start, x1: w.end,
    y0: 0, y1: 1, fillcolor: "rgba(46, 134, 193, 0.10)", line: { width: 0 }, layer: "below" }));
}
// the windows clipped to [a, b] (a plot of a few days must not be widened by them)
function windowsWithin(res, a, b) {
  return windows(res).filter((s) => s.x1 > a && s.x0 < b)
    .map((s) => ({ ...s, x0: Math.max(s.x0, a), x1: Math.min(s.x1, b) }));
}
function layout(title, ytitle, extra = {}) {
  return { title: { text: title, font: { size: 14 } }, margin: { l: 60, r: 20, t: 40, b: 80 },
    xaxis: { title: { text: "day" } }, yaxis: { title: { text: ytitle } },
    legend: { orientation: "h", y: -0.32 }, height: 330, ...extra };
}
function pair(res, obs, label, color = SCEN, axis = "y") {
  const x = res.series.day;
  return [
    { x, y: res.series.scenario[obs], name: `${label}: your changes`, yaxis: axis,
      line: { color } },
    { x, y: res.series.reference[obs], name: `${label}: unchanged`, yaxis: axis,
      line: { color, dash: "dot", width: 1.5 }, opacity: 0.7 },
  ];
}
const unit = (res, obs) => res.units[obs] || "";
// a y-range that never zooms into solver noise: at least 20% of the level (report/plain.py
// y_range does the same for the reports)
function span(arrays) {
  const v = arrays.flat().filter(Number.isFinite);
  if (!v.length) return undefined;
  let lo = Math.min(...v), hi = Math.max(...v);
  const need = 0.2 * Math.abs((lo + hi) / 2);
  if (hi - lo < need) {
    const c = (lo + hi) / 2;
    [lo, hi] = [c - need / 2, c + need / 2];
  } else {
    const pad = 0.08 * (hi - lo);
    [lo, hi] = [lo - pad, hi + pad];
  }
  if (lo < 0 && Math.min(...v) >= 0) lo = 0;
  return [lo, hi];
}
// y and y2 ranges of a figure's traces
function ranges(traces, lay) {
  for (const axis of ["y", "y2"]) {
    const own = traces.filter((t) => (t.yaxis || "y") === axis).map((t) => t.y);
    const key = axis === "y" ? "yaxis" : "yaxis2";
    if (own.length && lay[key]) lay[key].range = span(own);
  }
  return lay;
}
function linePlot(id, traces, lay) {
  Plotly.react(id, traces, ranges(traces, lay), PLOT_CONFIG);
}
const BANDS = { phq9: [[0, 5, "minimal"], [5, 10, "mild"], [10, 15, "moderate"],
                       [15, 20, "moderately severe"], [20, 27, "severe"]],
                gad7: [[0, 5, "minimal"], [5, 10, "mild"], [10, 15, "moderate"],
                       [15, 21, "severe"]] };
const BAND_COLORS = ["#e6f4ea", "#fdf7dc", "#fdebd3", "#fbdcd0", "#f6cccc"];

function scorePlot(res, score, title) {
  const vals = [...res.series.scenario[score], ...res.series.reference[score]];
  const top = Math.max(10, 5 * Math.ceil((Math.max(...vals) + 1) / 5));
  const bands = BANDS[score].filter((b) => b[0] < top).map((b, i) => ({ type: "rect",
    xref: "paper", yref: "y", x0: 0, x1: 1, y0: b[0], y1: Math.min(b[1], top),
    fillcolor: BAND_COLORS[i], line: { width: 0 }, layer: "below" }));
  const notes = BANDS[score].filter((b) => b[0] < top).map((b) => ({ xref: "paper", x: 1,
    xanchor: "right", y: (b[0] + Math.min(b[1], top)) / 2, text: b[2], showarrow: false,
    font: { size: 10, color: "#6b7785" } }));
  Plotly.react(`plot-${score}`, pair(res, score, title), layout(title, "score (points)",
    { yaxis: { title: { text: "score (points)" }, range: [0, top] },
      shapes: [...bands, ...windows(res)], annotations: notes }), PLOT_CONFIG);
}

function draw(res) {
  const p = res.plain;
  $("summary").textContent = `${p.phq9.change} ${p.gad7.change}`;
  scorePlot(res, "phq9", "Depression (PHQ-9)");
  scorePlot(res, "gad7", "Anxiety (GAD-7)");
  drawWhy(res);
  const td = res.two_days;
  linePlot("plot-cortisol", [
    { x: td.day, y: td.scenario.cortisol, name: "your changes", line: { color: SCEN } },
    { x: td.day, y: td.reference.cortisol, name: "unchanged",
      line: { color: REF, dash: "dot" } }],
  layout(`Cortisol over two days (from day ${td.day[0]})`, `cortisol (${unit(res, "cortisol")})`,
    { shapes: windowsWithin(res, td.day[0], td.day[td.day.length - 1]) }),
  PLOT_CONFIG);
  linePlot("plot-inflammation", [...pair(res, "il6", "IL-6"),
    ...pair(res, "crp", "CRP", "#8e44ad", "y2")],
  layout("Inflammation", `IL-6 (${unit(res, "il6")})`, { shapes: windows(res),
    yaxis2: { title: { text: `CRP (${unit(res, "crp")})` }, overlaying: "y", side: "right" },
    margin: { l: 60, r: 60, t: 40, b: 80 } }), PLOT_CONFIG);
  drawGuilds(res);
  linePlot("plot-diversity", [...pair(res, "shannon", "Shannon"),
    ...pair(res, "richness", "species", "#16a085", "y2")],
  layout("Microbial diversity", `Shannon index (${unit(res, "shannon")})`,
    { shapes: windows(res), margin: { l: 60, r: 60, t: 40, b: 80 },
      yaxis2: { title: { text: `observed species (${unit(res, "richness")})` },
                overlaying: "y", side: "right" } }), PLOT_CONFIG);
  linePlot("plot-scfa", [...pair(res, "butyrate", "butyrate", SCEN),
    ...pair(res, "acetate", "acetate", "#2e86c1"), ...pair(res, "propionate", "propionate",
      "#27ae60")],
  layout("Short-chain fatty acids in the colon", `concentration (${unit(res, "butyrate")})`,
    { shapes: windows(res) }), PLOT_CONFIG);
  linePlot("plot-barrier", [...pair(res, "barrier_integrity", "barrier"),
    ...pair(res, "lps_plasma", "endotoxin in blood", "#8e44ad", "y2")],
  layout("Gut barrier and endotoxin", `barrier integrity (${unit(res, "barrier_integrity")})`,
    { shapes: windows(res), margin: { l: 60, r: 60, t: 40, b: 80 },
      yaxis2: { title: { text: `LPS (${unit(res, "lps_plasma")})` }, overlaying: "y",
                side: "right" } }), PLOT_CONFIG);
  linePlot("plot-trp", [...pair(res, "serotonin_brain", "brain serotonin"),
    ...pair(res, "kt_ratio", "kynurenine/tryptophan", "#d35400", "y2")],
  layout("Serotonin and kynurenine", `brain serotonin (${unit(res, "serotonin_brain")})`,
    { shapes: windows(res), margin: { l: 60, r: 60, t: 40, b: 80 },
      yaxis2: { title: { text: `K/T ratio (${unit(res, "kt_ratio")})` }, overlaying: "y",
                side: "right" } }), PLOT_CONFIG);
  linePlot("plot-vagal", [...pair(res, "vagal_tone", "vagal tone"),
    ...pair(res, "vagal_afferent", "gut→brain signal", "#16a085", "y2")],
  layout("Vagus nerve", `vagal tone (${unit(res, "vagal_tone")})`,
    { shapes: windows(res), margin: { l: 60, r: 60, t: 40, b: 80 },
      yaxis2: { title: { text: `afferent signal (${unit(res, "vagal_afferent")})` },
                overlaying: "y", side: "right" } }), PLOT_CONFIG);
}

function drawWhy(res) {
  const ex = res.attribution.phq9;
  const p = res.plain;
  $("why-text").textContent = `Depression: ${p.phq9.pathways} Anxiety: ${p.gad7.pathways}`;
  $("flags").replaceChildren(...res.plain.flags.map((f) => {
    const li = document.createElement("li");
    li.textContent = f;
    return li;
  }));
  const rows = ex.pathways.slice().reverse();
  Plotly.react("plot-why", [{ type: "bar", orientation: "h", y: rows.map((r) => r.label),
    x: rows.map((r) => r.delta_logit),
    marker: { color: rows.map((r) => (r.delta_logit > 0 ? "#c0392b" : "#27ae60")) } }],
  layout(`Pathways of the PHQ-9 change (days ${ex.window[0]}–${ex.window[1]})`, "",
    { xaxis: { title: { text: "push on mood (logit units; + worse)" },
               zeroline: true }, margin: { l: 190, r: 20, t: 40, b: 50 }, height: 260,
      showlegend: false }), PLOT_CONFIG);
}

// 14 distinguishable colours, one per guild (plotly's default cycle has 10)
const GUILD_COLORS = ["#1f77b4", "#aec7e8", "#ff7f0e", "#ffbb78", "#2ca02c", "#98df8a",
  "#d62728", "#ff9896", "#9467bd", "#c5b0d5", "#8c564b", "#e377c2", "#7f7f7f", "#bcbd22"];
function drawGuilds(res) {
  const names = Object.keys(res.series.scenario).filter((k) => k.startsWith("guild_"));
  const day = res.series.day;
  const total = day.map((_, i) => names.reduce((s, n) => s + res.series.scenario[n][i], 0));
  const traces = names.map((n, k) => ({ x: day, y: res.series.scenario[n].map((v, i) =>
    100 * v / total[i]), name: n.slice(6).replace(/_/g, " "), stackgroup: "guilds",
    mode: "lines", line: { width: 0.5 }, fillcolor: GUILD_COLORS[k % 14],
    marker: { color: GUILD_COLORS[k % 14] } }));
  Plotly.react("plot-guilds", traces, layout("Microbiome composition (your changes)",
    "share of gut bacteria (%)", { shapes: windows(res), yaxis: { range: [0, 100],
      title: { text: "share of gut bacteria (%)" } }, legend: { font: { size: 9 } } }),
  PLOT_CONFIG);
}

// ---- person to person -------------------------------------------------------------------
async function runJob(body, onProgress) {
  const r = await api("/api/population-response", body);
  const job = await r.json();
  for (;;) {
    await new Promise((ok) => setTimeout(ok, 400));
    const j = await (await api(job.url)).json();
    if (j.status === "done") return j.result;
    if (j.status === "failed") throw new Error(j.error.detail);
    onProgress(j.progress);
  }
}
const fmt = (x, d = 1) => (x === null || x === undefined ? "n/a" : x.toFixed(d));
const share = (x) => `${Math.round(100 * x)}%`;

async function population() {
  const sc = scenario();
  if (!sc.interventions.length) {
    $("pop-text").textContent = "Choose a change first (a diet, a probiotic, stress…).";
    return;
  }
  const bar = $("pop-progress");
  bar.hidden = false;
  bar.value = 0;
  $("pop-run").disabled = true;
  $("pop-text").textContent = "Simulating…";
  try {
    const res = await runJob({ scenario: sc, population: $("pop-preset").value,
      n: Number($("pop-n").value), seed: 0 }, (p) => { bar.value = p.fraction; });
    const d = res.observables.phq9;
    $("pop-text").textContent = `Across ${res.n} people (${res.failed} failed to simulate), ` +
      `PHQ-9 changed by ${fmt(d.mean)} points on average (days ${res.window[0]}–` +
      `${res.window[1]}; middle half ${fmt(d.quantiles["0.25"])} to ` +
      `${fmt(d.quantiles["0.75"])}). ${share(d.share_improved)} improved by at least ` +
      `${res.improve_points} points, ${share(d.share_worse)} got worse by as much.`;
    Plotly.react("plot-population", [{ type: "histogram", x: d.values, nbinsx: 30,
      marker: { color: "#2e86c1" } }], layout("Change in PHQ-9 from person to person",
      "people", { xaxis: { title: { text: "ΔPHQ-9 (points; below 0 = better)" } },
        shapes: [{ type: "line", x0: 0, x1: 0, yref: "paper", y0: 0, y1: 1,
          line: { color: "#333", dash: "dash" } }], showlegend: false }), PLOT_CONFIG);
  } catch (e) {
    $("pop-text").textContent = `Not simulated: ${e.message}`;
  } finally {
    bar.hidden = true;
    $("pop-run").disabled = false;
  }
}

// ---- the reader's questions -------------------------------------------------------------
const rel = (res, obs) => {
  const row = res.observables.find((o) => o.observable === obs);
  if (!row || row.relative_change === null) return "unchanged";
  const pct = Math.round(100 * row.relative_change);
  return pct === 0 ? "about unchanged" : `${pct > 0 ? "+" : "−"}${Math.abs(pct)}%`;
};
const compareOf = async (interventions, days = 120) =>
  (await api("/api/compare", { scenario: { name: "question", days,
    person: $("person").value, interventions } })).json();
const LIMITS = " (The model's result for a simulated person: a mechanistic model, not " +
  "medical advice.)";
const QUESTIONS = [
  ["What is the gut microbiome?", async () => {
    const guilds = ["bacteroides", "starch_degraders", "fibre_degraders", "bifidobacterium",
      "roseburia", "faecalibacterium", "lactate_utilisers", "propionate_producers",
      "acetogens", "methanogens", "lactobacillus", "akkermansia", "enterobacteriaceae",
      "spore_formers"].map((g) => `guild_${g}`);
    const obs = [...guilds, "shannon", "butyrate", "acetate", "propionate"].join(",");
    const r = await (await api(`/api/simulate?every_hours=24&observables=${obs}`,
      { name: "question", days: 30, person: $("person").value })).json();
    const last = (o) => r.series[o][r.series[o].length - 1];
    const total = guilds.reduce((s, g) => s + last(g), 0);
    const top = guilds.map((g) => [g.slice(6).replace(/_/g, " "), last(g) / total])
      .sort((a, b) => b[1] - a[1]).slice(0, 3);
    return "The gut microbiome is the community of microbes living in the large intestine. " +
      `The model groups it into ${guilds.length} guilds of bacteria that eat alike; in the ` +
      `simulated person the largest are ${top.map(([n, s]) => `${n} (${share(s)})`)
        .join(", ")}. They ferment the fibre we cannot digest into short-chain fatty acids ` +
      `(here butyrate ${fmt(last("butyrate"))}, acetate ${fmt(last("acetate"))}, propionate ` +
      `${fmt(last("propionate"))} ${r.units.butyrate}), which feed the gut lining and signal ` +
      `to immune cells and nerves. Diversity (Shannon index) is ${fmt(last("shannon"), 2)}.`;
  }],
  ["How does the gut affect mental health?", async () => {
    const res = await compareOf([{ type: "antibiotic", class: "broad_spectrum",
      start_day: 14, days: 7 }]);
    return "A week of broad-spectrum antibiotics is a large blow to the microbiome: " +
      `butyrate ${rel(res, "butyrate")}, the gut barrier ${rel(res, "barrier_integrity")}, ` +
      `endotoxin in the blood ${rel(res, "lps_plasma")}, IL-6 ${rel(res, "il6")} (days ` +
      `${res.window[0]}–${res.window[1]}). ${res.plain.phq9.change} ${res.plain.phq9.pathways} The gut reaches the brain in ` +
      "the model through inflammation, tryptophan and serotonin, stress hormones and the " +
      "vagus nerve.";
  }],
  ["Which foods help?", async () => {
    const [fib, fer] = await Promise.all([
      compareOf([{ type: "diet", pattern: "high_fiber", start_day: 14 }]),
      compareOf([{ type: "fermented_food", servings_per_day: 2, start_day: 14 }])]);
    return `From a western diet to a high-fibre one (~45 g/day): butyrate ` +
      `${rel(fib, "butyrate")}, diversity ${rel(fib, "shannon")}, IL-6 ${rel(fib, "il6")}; ` +
      `${fib.plain.phq9.change} Two servings of fermented food a day: ` +
      `IL-6 ${rel(fer, "il6")}, CRP ${rel(fer, "crp")}; ` +
      `${fer.plain.phq9.change} Fibre feeds the microbes that make ` +
      "butyrate; the effect on mood is small for a person who is well.";
  }],
  ["Can stress affect gut health?", async () => {
    const res = await compareOf([{ type: "stress", level: 0.6, start_day: 14, days: 56 }]);
    return `Eight weeks of heavy stress (level 0.6 of 1): cortisol ${rel(res, "cortisol")}, ` +
      `the gut barrier ${rel(res, "barrier_integrity")}, endotoxin in the blood ` +
      `${rel(res, "lps_plasma")}, butyrate ${rel(res, "butyrate")}, diversity ` +
      `${rel(res, "shannon")} (days ${res.window[0]}–${res.window[1]}). ${res.plain.phq9.change} ` +
      "Stress loosens the gut barrier and shifts the microbes; the inflammation that follows " +
      "feeds back on mood.";
  }],
  ["Does an infection, or the antibiotic for it, affect mood?", async () => {
    const infection = { type: "infection", day: 14, crp_rise_mg_per_l: 30 };
    const [ill, treated] = await Promise.all([
      compareOf([infection]),
      compareOf([infection, { type: "antibiotic", class: "amoxicillin", start_day: 16,
        days: 7 }])]);
    // the infection's own size at its peak (daily means), not the change over the later
    // window where mood moves most, when little inflammation is left
    const peak = (res, obs) => Math.max(...res.series.scenario[obs].map(
      (v, i) => v - res.series.reference[obs][i]));
    return "A chest infection that raises CRP by 30 mg/L (a common size for one that gets " +
      `a prescription), untreated: at its peak IL-6 up ${fmt(peak(ill, "il6"), 0)} ` +
      `${ill.units.il6} and CRP up ${fmt(peak(ill, "crp"), 0)} ${ill.units.crp} (daily ` +
      `means). ${ill.plain.phq9.change} The same infection treated with amoxicillin from its ` +
      `second day: butyrate ${rel(treated, "butyrate")}, the vagal signal from the gut ` +
      `${rel(treated, "vagal_afferent")}; ${treated.plain.phq9.change} ` +
      `${treated.plain.phq9.pathways} In the model the infection reaches mood through ` +
      "inflammation and stress hormones, the drug through the gut microbes; studies that " +
      "link antibiotic courses to depression see both together.";
  }],
  ["Do probiotics work, and for whom?", async (progress) => {
    const sc = { name: "question", days: 120, interventions: [{ type: "probiotic",
      genus: "multi_strain", cfu_per_day: 1e10, start_day: 14, days: 56 }] };
    const done = [0, 0];
    // read as a trial reads it: the course's last two weeks (it runs days 14-70)
    const [gen, dep] = await Promise.all(["general", "depressed"].map((population, i) =>
      runJob({ scenario: sc, population, n: 100, seed: 0, window: [56, 70] }, (p) => {
        done[i] = p.fraction;
        progress(`Simulating two groups of 100 people… ${share((done[0] + done[1]) / 2)}`);
      })));
    const say = (r, who) => `in ${r.n} ${who}, PHQ-9 changed by ` +
      `${fmt(r.observables.phq9.mean)} points on average and ` +
      `${share(r.observables.phq9.share_improved)} improved by at least ${r.improve_points}`;
    return "Eight weeks of a multi-strain probiotic (10¹⁰ CFU/day): " +
      `${say(gen, "people from the general population")}; ` +
      `${say(dep, "people in a depressive episode")}, over the course's last two weeks ` +
      `(days ${gen.window[0]}–${gen.window[1]}), when a trial reads its outcome. Each ` +
      "simulated person is compared with themselves without the probiotic and without the " +
      "day-to-day noise of questionnaires, so the share who improve can exceed what a " +
      "trial, comparing two groups of people, can see. The average hides the spread: see " +
      "“Person to person” above for any change you choose.";
  }],
];

function buildQuestions() {
  const list = $("question-list");
  QUESTIONS.forEach(([question, answer], i) => {
    const d = document.createElement("details");
    d.id = `question-${i + 1}`;
    const s = document.createElement("summary");
    s.textContent = question;
    const p = document.createElement("p");
    p.className = "answer";
    p.setAttribute("aria-live", "polite");
    d.append(s, p);
    // opening a question simulates its answer; reopening one that failed tries again
    d.addEventListener("toggle", async () => {
      if (!d.open || p.dataset.done || p.dataset.busy) return;
      p.dataset.busy = "1";
      delete p.dataset.failed;
      p.textContent = "Simulating…";
      try {
        p.textContent = (await answer((text) => { p.textContent = text; })) + LIMITS;
        p.dataset.done = "1";
      } catch (e) {
        p.textContent = `Not simulated: ${e.message} (close and reopen the question to try ` +
          "again)";
        p.dataset.failed = "1";
      } finally {
        delete p.dataset.busy;
      }
    });
    list.append(d);
  });
}

// ---- downloads --------------------------------------------------------------------------
function yaml(v, indent = "") {
  const nested = (x) => x && typeof x === "object" && Object.keys(x).length > 0;
  if (Array.isArray(v)) {
    if (!v.length) return "[]";
    return v.map((x) => `${indent}- ${yaml(x, indent + "  ").trimStart()}`).join("\n");
  }
  if (v && typeof v === "object")
    return Object.entries(v).map(([k, x]) => (nested(x)
      ? `${indent}${k}:\n${yaml(x, indent + "  ")}` : `${indent}${k}: ${yaml(x)}`)).join("\n");
  return typeof v === "string" ? JSON.stringify(v) : String(v);
}
function save(blob, name) {
  const a = document.createElement("a");
  a.href = URL.createObjectURL(blob);
  a.download = name;
  document.body.append(a);
  a.click();
  a.remove();
  setTimeout(() => URL.revokeObjectURL(a.href), 1000);
}
async function download(kind) {
  const sc = scenario();
  if (kind === "yaml") {
    save(new Blob([`# gutbrain scenario: gutbrain simulate scenario.yaml\n${yaml(sc)}\n`],
      { type: "text/yaml" }), "scenario.yaml");
  } else if (kind === "csv") {
    try {
      const r = await api("/api/simulate?format=csv", sc);
      save(await r.blob(), "gutbrain-results.csv");
    } catch (e) { showError(e.message); }
  } else if (kind === "png" || kind === "svg") {
    for (const div of document.querySelectorAll(".plot.js-plotly-plot"))
      await Plotly.downloadImage(div, { format: kind, filename: div.id, width: 900,
                                        height: 450 });
  }
}

// ---- wiring -----------------------------------------------------------------------------
fromUrl();
form.addEventListener("input", schedule);
form.addEventListener("change", schedule);
$("reset").addEventListener("click", () => {
  FIELDS.forEach((f) => { f.value = DEFAULTS[f.name]; });
  update();
});
$("download").addEventListener("change", async (e) => {
  const kind = e.target.value;
  e.target.value = "";
  if (kind) await download(kind);
});
$("copy-link").addEventListener("click", async () => {
  try { await navigator.clipboard.writeText(location.href); } catch (e) { /* no clipboard */ }
  $("status").textContent = `Link to this scenario: ${location.href}`;
});
$("pop-run").addEventListener("click", population);
buildQuestions();
window.explorer = { scenario, values, update };
update();
