"use strict";
// The dashboard's behaviour: tiles, filters, a sortable paged table and the six-tab detail view.
// Every string from the warehouse goes in through textContent (captions and transcripts are outside
// input); only the SVG charts rendered by the pipeline itself go through innerHTML.
(function () {
  const DATA = JSON.parse(document.getElementById("dash-data").textContent);
  const THUMBS = DATA.thumbs || {};
  const PAGE_SIZE = 50;
  let details = null, frames = null;
  // The details and keyframes blocks come after this script so the table paints before they are parsed.
  const lazy = (id) => { const n = document.getElementById(id); return n ? JSON.parse(n.textContent) : null; };
  const parsed = new Map();
  const detailsOf = (id) => {
    if (!details) details = lazy("dash-details");
    if (!details || !details[id]) return null;
    if (!parsed.has(id)) parsed.set(id, JSON.parse(details[id]));
    return parsed.get(id);
  };
  const frameUri = (ref) => { if (!ref) return null; if (!frames) frames = lazy("dash-frames"); return frames ? frames[ref] || null : null; };

  // --- small DOM helpers -------------------------------------------------------------------------
  function el(tag, attrs, ...kids) {
    const n = document.createElement(tag);
    for (const [k, v] of Object.entries(attrs || {})) {
      if (v === null || v === undefined || v === false) continue;
      if (k === "class") n.className = v;
      else if (k === "text") n.textContent = v;
      else if (k.startsWith("on")) n.addEventListener(k.slice(2), v);
      else n.setAttribute(k, v === true ? "" : String(v));
    }
    for (const kid of kids.flat()) if (kid !== null && kid !== undefined && kid !== false) n.append(kid instanceof Node ? kid : String(kid));
    return n;
  }
  const $ = (id) => document.getElementById(id);
  const nf = new Intl.NumberFormat("en-US");
  const fmtInt = (v) => (v === null || v === undefined ? "–" : nf.format(v));
  const fmtPct = (v) => (v === null || v === undefined ? "–" : (100 * v).toFixed(2) + "%");
  const fmtRate = (v) => (v === null || v === undefined ? "–" : nf.format(Math.round(v * 10) / 10) + "/h");
  const fmtNum = (v, d = 1) => (v === null || v === undefined ? "–" : Number(v).toFixed(d));
  const fmtDate = (iso) => (iso ? iso.slice(0, 10) : "draft");
  const fmtT = (t) => (t === null || t === undefined ? "–" : Number(t).toFixed(1) + " s");
  const empty = (text) => el("p", { class: "empty", text });

  // --- header and tiles --------------------------------------------------------------------------
  const meta = DATA.meta, ov = DATA.overview;
  if (meta.is_demo) $("demo-banner").hidden = false;
  const acct = meta.account;
  $("account-name").textContent = acct ? "@" + (acct.username || "?") + (acct.display_name ? " · " + acct.display_name : "") : "No account connected";
  $("account-line").textContent = acct ? [fmtInt(acct.followers) + " followers", fmtInt(meta.videos) + " videos", fmtInt(meta.scored) + " scored"].join(" · ") : fmtInt(meta.videos) + " videos";
  $("generated").textContent = "Generated " + (meta.generated_at || "").replace("T", " ").slice(0, 16) + " UTC" + (meta.as_of ? " · KPIs as of " + meta.as_of.replace("T", " ").slice(0, 16) + " UTC" : "");
  const tiles = [
    ["views", "Total views", fmtInt(ov.views)], ["likes", "Likes", fmtInt(ov.likes)],
    ["comments", "Comments", fmtInt(ov.comments)], ["shares", "Shares", fmtInt(ov.shares)],
    ["median_er", "Median engagement", fmtPct(ov.median_er)], ["avg_v24", "Avg velocity 24 h", fmtRate(ov.avg_v24)],
    ["posts_per_day_30d", "Posts per day (30 d)", fmtNum(ov.posts_per_day_30d, 2)],
    ["pass", "Pass", fmtInt(ov.bands.pass)], ["revise", "Revise", fmtInt(ov.bands.revise)], ["reshoot", "Reshoot", fmtInt(ov.bands.reshoot)],
  ];
  for (const [key, label, value] of tiles) {
    const raw = key in ov ? ov[key] : ov.bands[key];
    $("tiles").append(el("div", { class: "tile", "data-tile": key, "data-value": raw === null || raw === undefined ? "" : raw },
      el("div", { class: "v", text: value }), el("div", { class: "k", text: label })));
  }

  // --- filters, sorting, paging ------------------------------------------------------------------
  const rows = DATA.table;
  const tagCount = new Map();
  for (const r of rows) for (const t of r.hashtags) tagCount.set(t, (tagCount.get(t) || 0) + 1);
  for (const [t, n] of [...tagCount].sort((a, b) => b[1] - a[1] || a[0].localeCompare(b[0])))
    $("f-hashtag").append(el("option", { value: t, text: "#" + t + " (" + n + ")" }));
  for (const r of rows) r._search = (r.caption + " " + r.hashtags.join(" ") + " " + (r.name || "")).toLowerCase();

  const state = { sort: "posted", dir: -1, page: 0 };
  function filtered() {
    const q = $("f-search").value.trim().toLowerCase();
    const from = $("f-from").value, to = $("f-to").value;
    const dur = $("f-duration").value, tag = $("f-hashtag").value, band = $("f-band").value, status = $("f-status").value;
    const movers = $("f-movers").checked;
    return rows.filter((r) => {
      if (q && !r._search.includes(q)) return false;
      const day = r.posted ? r.posted.slice(0, 10) : null;
      if (from && (!day || day < from)) return false;
      if (to && (!day || day > to)) return false;
      if (dur && r.duration_bucket !== dur) return false;
      if (tag && !r.hashtags.includes(tag)) return false;
      if (band && (band === "none" ? r.band !== null : r.band !== band)) return false;
      if (status && r.status !== status) return false;
      if (movers && !r.mover) return false;
      return true;
    });
  }
  function sorted(list) {
    const k = state.sort, d = state.dir;
    // Missing values sort last in both directions: an unscored video is not a zero.
    return list.slice().sort((a, b) => {
      const x = a[k], y = b[k];
      if (x === null || x === undefined) return (y === null || y === undefined) ? a.id.localeCompare(b.id) : 1;
      if (y === null || y === undefined) return -1;
      return (x < y ? -1 : x > y ? 1 : a.id.localeCompare(b.id)) * d;
    });
  }
  function scoreBadges(r) {
    if (r.overall === null) return el("span", { class: "muted", text: "–" });
    return [el("span", { class: "badge", title: "Hook", "data-score": "hook", text: "H " + r.hook }),
      el("span", { class: "badge", title: "Depth", "data-score": "depth", text: "D " + r.depth }),
      el("span", { class: "badge band-" + r.band, title: "Overall (" + r.band + ")", "data-score": "overall", text: r.overall + " " + r.band })];
  }
  function thumb(r) {
    const uri = r.thumb ? THUMBS[r.thumb] : null;
    return uri ? el("img", { class: "thumb", src: uri, alt: "", loading: "lazy" }) : el("div", { class: "thumb none", text: "no cover" });
  }
  function renderTable() {
    const list = sorted(filtered());
    const pages = Math.max(1, Math.ceil(list.length / PAGE_SIZE));
    state.page = Math.min(state.page, pages - 1);
    const shown = list.slice(state.page * PAGE_SIZE, (state.page + 1) * PAGE_SIZE);
    const body = document.querySelector("#videos tbody");
    if (!shown.length) {
      body.replaceChildren(el("tr", { class: "none" }, el("td", { colspan: 8, class: "empty",
        text: rows.length ? "No video matches these filters." : "No videos yet: connect the account or drop a video in the media folder." })));
    } else body.replaceChildren(...shown.map((r) => el("tr", { "data-id": r.id, tabindex: 0, onclick: () => openDetail(r.id), onkeydown: (e) => { if (e.key === "Enter") openDetail(r.id); } },
      el("td", {}, thumb(r)),
      el("td", { "data-col": "posted", "data-value": r.posted || "" , text: fmtDate(r.posted) }),
      el("td", { class: "cap" }, el("div", { class: "t", text: r.draft ? "Draft: " + (r.name || r.id) + (r.caption ? " · " + r.caption : "") : (r.caption || "(no caption)") }),
        r.mover ? el("span", { class: "mover", text: "▲ top mover #" + r.mover_rank + " " }) : null,
        r.hashtags.map((t) => el("span", { class: "chip", text: "#" + t }))),
      el("td", { class: "num", "data-col": "views", "data-value": r.views ?? "", text: fmtInt(r.views) }),
      el("td", { class: "num", "data-col": "er", "data-value": r.er ?? "", text: fmtPct(r.er) }),
      el("td", { class: "num", "data-col": "v24", "data-value": r.v24 ?? "", text: fmtRate(r.v24) }),
      el("td", { class: "num", "data-col": "overall", "data-value": r.overall ?? "" }, scoreBadges(r)),
      el("td", {}, el("span", { class: "st st-" + r.status, "data-col": "status", title: r.error || "", text: r.status === "none" ? "no media" : r.status })))));
    $("count").textContent = "Showing " + list.length + " of " + rows.length + " videos";
    $("page").textContent = "page " + (state.page + 1) + " of " + pages;
    $("prev").disabled = state.page === 0;
    $("next").disabled = state.page >= pages - 1;
    for (const th of document.querySelectorAll("th[data-sort]"))
      th.setAttribute("aria-sort", th.dataset.sort === state.sort ? (state.dir > 0 ? "ascending" : "descending") : "none");
  }
  for (const id of ["f-search", "f-from", "f-to", "f-duration", "f-hashtag", "f-band", "f-status", "f-movers"])
    $(id).addEventListener(id === "f-search" ? "input" : "change", () => { state.page = 0; renderTable(); });
  $("f-clear").addEventListener("click", () => { $("filters").reset(); state.page = 0; renderTable(); });
  // The filtered rows as CSV, built in the page (a Blob URL: no network). Cells that a spreadsheet would
  // run as a formula (=, +, -, @) get a leading apostrophe: captions come from outside.
  const CSV_COLUMNS = ["id", "posted", "caption", "hashtags", "duration_s", "views", "likes", "comments", "shares", "er", "v24", "v48",
    "mover", "status", "overall", "band", "hook", "depth"];
  function csvCell(v) {
    let t = v === null || v === undefined ? "" : Array.isArray(v) ? v.join(" ") : String(v);
    if (typeof v !== "number" && /^[=+\-@\t\r]/.test(t)) t = "'" + t;
    return /[",\n\r]/.test(t) ? '"' + t.replace(/"/g, '""') + '"' : t;
  }
  $("export").addEventListener("click", () => {
    const lines = [CSV_COLUMNS.join(",")].concat(sorted(filtered()).map((r) => CSV_COLUMNS.map((c) => csvCell(r[c])).join(",")));
    const url = URL.createObjectURL(new Blob([lines.join("\r\n") + "\r\n"], { type: "text/csv" }));
    const a = el("a", { href: url, download: "tiktok_videos_filtered.csv" });
    document.body.append(a); a.click(); a.remove();
    setTimeout(() => URL.revokeObjectURL(url), 1000);
  });
  $("prev").addEventListener("click", () => { state.page -= 1; renderTable(); });
  $("next").addEventListener("click", () => { state.page += 1; renderTable(); });
  for (const th of document.querySelectorAll("th[data-sort]"))
    th.addEventListener("click", () => {
      state.dir = state.sort === th.dataset.sort ? -state.dir : -1;
      state.sort = th.dataset.sort; state.page = 0; renderTable();
    });
  renderTable();
  document.body.dataset.tableReady = String(Math.round(performance.now()));  // what the first-paint benchmark waits for

  // --- detail view -------------------------------------------------------------------------------
  let current = null;
  const byId = new Map(rows.map((r) => [r.id, r]));
  function openDetail(id, tab) {
    const r = byId.get(id);
    if (!r) return;
    current = { row: r, d: detailsOf(id) };
    $("detail-title").textContent = r.draft ? "Draft " + (r.name || r.id) : (r.caption || "(no caption)").slice(0, 120);
    $("detail-sub").textContent = [r.id, fmtDate(r.posted), r.duration_s ? r.duration_s + " s" : null, r.views !== null ? fmtInt(r.views) + " views" : null].filter(Boolean).join(" · ");
    $("detail").hidden = false;
    showTab(tab || "overview");
    history.replaceState(null, "", "#video=" + encodeURIComponent(id) + "&tab=" + (tab || "overview"));
  }
  function closeDetail() { $("detail").hidden = true; current = null; history.replaceState(null, "", "#"); }
  $("detail-close").addEventListener("click", closeDetail);
  $("detail").addEventListener("click", (e) => { if (e.target === $("detail")) closeDetail(); });
  document.addEventListener("keydown", (e) => { if (e.key === "Escape" && current) closeDetail(); });
  for (const b of document.querySelectorAll(".tabs button")) b.addEventListener("click", () => {
    showTab(b.dataset.tab);
    history.replaceState(null, "", "#video=" + encodeURIComponent(current.row.id) + "&tab=" + b.dataset.tab);
  });
  function showTab(tab) {
    for (const b of document.querySelectorAll(".tabs button")) b.setAttribute("aria-selected", String(b.dataset.tab === tab));
    const body = $("tab-body");
    body.dataset.tab = tab;
    body.replaceChildren(...[].concat(TABS[tab](current.row, current.d)));
  }

  const a = (d) => (d && d.analysis) || null;
  const notAnalysed = (r, d) => empty(r.status === "error" ? "Analysis failed: " + (r.error || (d && d.analysis && d.analysis.error) || "see the run in Dagster")
    : r.status === "none" ? "No media for this video yet: drop its file in the media folder to analyse it." : "Not analysed yet (" + r.status + ").");
  function bars(list, testid) {
    return el("div", { class: "bars", "data-testid": testid }, list.flatMap((s) => {
      const v = s.value;
      const cls = v === null ? "" : v < 5 ? "lo" : v < 8 ? "mid" : "hi";
      const row = [el("div", { text: label(s.name) }),
        el("div", { class: "bar " + cls }, el("span", { style: "width:" + (v === null ? 0 : v * 10) + "%" })),
        el("div", { class: "num", "data-score": s.name, "data-value": v ?? "", text: v === null ? "–" : String(v) })];
      if ((s.evidence && s.evidence.length) || s.note)
        row.push(el("details", { class: "ev" }, el("summary", { text: (s.confidence ? s.confidence + " confidence" : "evidence") + (s.note ? " · " + s.note : "") }),
          el("ul", {}, (s.evidence || []).map((e) => el("li", { text: e })))));
      return row;
    }));
  }
  const label = (name) => String(name || "").replace(/_/g, " ").replace(/^./, (c) => c.toUpperCase());
  function kv(pairs, testid) {
    return el("div", { class: "kv", "data-testid": testid }, pairs.flatMap(([k, v]) => [el("div", { text: k }), el("div", { text: v === null || v === undefined || v === "" ? "–" : String(v) })]));
  }
  function frameFigs(list, why) {
    if (!list.length) return empty(why);
    return el("div", { class: "frames" }, list.map((k) => {
      const uri = frameUri(k.img);
      return el("figure", { "data-frame": k.label }, uri ? el("img", { src: uri, alt: "keyframe " + k.label }) : el("div", { class: "noimg", text: "image not embedded (media budget or retention)" }),
        el("figcaption", { text: k.label + " · " + fmtT(k.t) }));
    }));
  }
  function findings(list, kinds) {
    const f = (list || []).filter((x) => kinds.includes(x.kind));
    return f.length ? el("ul", {}, f.map((x) => el("li", { "data-kind": x.kind }, x.verdict ? el("span", { class: "badge", text: x.verdict }) : null, x.text))) : empty("None recorded.");
  }

  const TABS = {
    overview(r, d) {
      const an = a(d);
      if (!an || an.status !== "done") return [notAnalysed(r, d)];
      const out = [el("div", { class: "kv", "data-testid": "overall" },
        el("div", { text: "Overall" }), el("div", {}, el("span", { class: "badge band-" + an.band, "data-value": an.overall, text: an.overall + "/100 · " + an.band }),
          an.band !== an.band_uncapped ? el("span", { class: "muted", text: " (capped from " + an.band_uncapped + " by a compliance flag)" }) : null),
        el("div", { text: "Silent-friendly" }), el("div", { text: an.silent_friendly ? "yes" : "no" }),
        el("div", { text: "Angle · hook type" }), el("div", { text: (an.angle || "–") + " · " + (an.hook_type || "–") }),
        el("div", { text: "Scoring" }), el("div", { text: an.scoring_version + " · " + an.brand + " · LLM " + an.llm.status + (an.llm.model ? " (" + an.llm.model + ")" : "") }))];
      out.push(el("h3", { text: "Core scores" }), bars(an.core, "core-scores"));
      out.push(el("h3", { text: "Pillars" }), bars(an.pillars, "pillar-scores"));
      out.push(el("h3", { text: "Visual-only scores" }), bars(an.visual, "visual-scores"));
      if (an.flags.length || an.blockers.length) {
        out.push(el("h3", { text: "Compliance" }));
        for (const f of an.flags) out.push(el("div", { class: "flag", "data-flag": f.code }, el("b", { text: f.severity + ": " + f.code }), " ", f.summary, el("div", { class: "muted", text: f.citation })));
        for (const b of an.blockers) out.push(el("div", { class: "flag", "data-blocker": b.code }, el("b", { text: b.platform + " blocker: " + b.code }), " ", b.reason));
      }
      if (an.adjustments.length) out.push(el("h3", { text: "LLM adjustments" }), el("ul", {}, an.adjustments.map((x) => el("li", { text: x.score + ": " + x.before + " → " + x.after + " (" + x.reason + ")" }))));
      return out;
    },
    hook(r, d) {
      if (!d) return [notAnalysed(r, d)];
      const h = d.hook, an = a(d);
      const hookScore = an && an.core ? an.core.find((s) => s.name === "hook") : null;
      return [
        el("h3", { text: "0-3 s keyframes" }), frameFigs(h.frames, "No keyframes extracted."),
        el("div", { class: "grid2" },
          el("div", {}, el("h3", { text: "On-screen text (0-3 s)" }), h.onscreen.length ? el("ul", { "data-testid": "hook-ocr" }, h.onscreen.map((t) => el("li", { text: t }))) : empty("No text on screen in the first 3 s."),
            el("h3", { text: "Spoken hook" }), el("p", { "data-testid": "hook-spoken", text: h.spoken || "Nothing heard in the first 3 s." })),
          el("div", {}, el("h3", { text: "Caption alignment" }),
            kv([["Caption hook", h.caption_hook], ["Reinforced in first 3 s", h.reinforced === null || h.reinforced === undefined ? "unknown" : h.reinforced ? "yes" : "no"], ["Word overlap", h.overlap]], "hook-caption"),
            el("h3", { text: "Verdict" }),
            h.verdict ? el("p", { "data-testid": "hook-verdict" }, el("span", { class: "badge", text: h.verdict.verdict || "" }), h.verdict.text) : empty("Not scored yet."),
            hookScore ? el("p", { class: "muted", text: "Hook score " + hookScore.value + "/10" }) : null)),
      ];
    },
    story(r, d) {
      if (!d) return [notAnalysed(r, d)];
      const t = d.transcript, an = a(d);
      const out = [el("h3", { text: "Transcript" })];
      if (!t || !t.segments.length) out.push(empty(t ? "No speech transcribed" + (t.note ? ": " + t.note : ".") : "No transcript."));
      else out.push(el("div", { "data-testid": "transcript" }, el("p", { class: "muted", text: t.model + " · " + t.confidence + " confidence" }),
        t.segments.map((s) => el("div", { class: "seg" }, el("span", { class: "muted", text: fmtT(s.start) + "–" + fmtT(s.end) }), el("span", { text: s.text })))));
      out.push(el("h3", { text: "Depth analysis" }), findings(an && an.findings, ["depth_analysis"]));
      out.push(el("h3", { text: "Retention opportunities" }), findings(an && an.findings, ["retention_opportunity", "improvement"]));
      out.push(el("h3", { text: "Strengths" }), findings(an && an.findings, ["strength"]));
      return out;
    },
    fixes(r, d) {
      const an = a(d);
      if (!an || an.status !== "done") return [notAnalysed(r, d)];
      const out = [el("h3", { text: "Prioritized fixes" })];
      out.push(an.fixes.length ? el("div", { "data-testid": "fixes" }, an.fixes.map((f) => el("div", { class: "fix p-" + f.priority, "data-priority": f.priority },
        el("div", {}, el("span", { class: "badge", text: f.priority }), el("span", { class: "badge", text: f.category }), el("b", { text: f.action })),
        el("div", { class: "muted", text: "Why: " + f.why + (f.score ? " · raises " + f.score : "") })))) : empty("No fixes: nothing to change."));
      if (an.safe_ctas.length) out.push(el("h3", { text: "Compliance-safe CTAs" }), el("ul", {}, an.safe_ctas.map((c) => el("li", { text: c }))));
      return out;
    },
    visual(r, d) {
      if (!d) return [notAnalysed(r, d)];
      const v = d.visual, an = a(d);
      const first = v && v.frames.length ? v.frames[0] : null;
      const firstImg = d.keyframes.find((k) => k.label === "t0");
      const tags = (an && an.tags) || {};
      const clipTags = v ? v.tags : [];
      return [el("div", { class: "grid2" },
        el("div", {}, el("h3", { text: "First frame" }), frameFigs(firstImg ? [firstImg] : [], "No first frame."),
          first ? kv([["Brightness", fmtNum(first.brightness, 2)], ["Contrast", fmtNum(first.contrast, 2)], ["Colourfulness", fmtNum(first.colourfulness)],
            ["Sharpness", fmtNum(first.sharpness)], ["Faces", first.faces], ["Largest face", fmtPct(first.face_area)], ["Rule of thirds", fmtNum(first.thirds, 2)]], "first-frame") : empty("No image statistics.")),
        el("div", {}, el("h3", { text: "Composition" }), kv([["Composition", (tags.composition || []).join(", ")], ["Subjects", (tags.visual_subjects || []).join(", ")], ["Pattern interrupts", (tags.pattern_interrupt || []).join(", ")], ["Content types", (tags.content_types || []).join(", ")]], "composition"),
          el("h3", { text: "Emotion" }), el("div", { "data-testid": "emotion" }, (tags.emotion || []).length ? (tags.emotion || []).map((e) => el("span", { class: "chip", text: e })) : empty("No emotion tags.")),
          el("h3", { text: "Aesthetics" }), an && an.visual ? bars(an.visual.filter((s) => /aesthet|colou?r|light|sharp|compos|frame|balance/.test(s.name)), "aesthetics") : empty("Not scored."),
          el("h3", { text: "CLIP tags" }), v && v.clip_status === "ok" ? el("div", {}, clipTags.map((t) => el("span", { class: "chip", text: t.family + ": " + t.label + " " + t.score }))) : empty("CLIP " + (v ? v.clip_status : "not run") + (v && v.note ? " · " + v.note : "") + ".")))];
    },
    artifacts(r, d) {
      const link = meta.dagster_url + "/assets/video_media?view=partitions&partition=" + encodeURIComponent(r.id);
      const out = [el("p", {}, el("a", { href: link, target: "_blank", rel: "noopener", "data-testid": "reprocess", text: "Open this video's partition in Dagster to reprocess it" }))];
      if (!d) return out.concat(notAnalysed(r, d));
      out.push(el("h3", { text: "Keyframes" }), frameFigs(d.keyframes, "No keyframes."));
      const au = d.audio;
      out.push(el("div", { class: "grid2" },
        el("div", {}, el("h3", { text: "Audio" }), au ? kv([["Has audio", au.has_audio ? "yes" : "no"], ["Speech ratio", fmtNum(au.speech_ratio, 2)], ["Music ratio", fmtNum(au.music_ratio, 2)],
          ["Music", au.music_present ? "yes" : "no"], ["BPM", fmtNum(au.bpm)], ["Loudness", au.loudness_lufs === null ? "–" : fmtNum(au.loudness_lufs) + " LUFS"], ["Dead air", fmtT(au.dead_air_seconds)]], "audio") : empty("No audio features.")),
        el("div", {}, el("h3", { text: "Scene cuts" }), d.cuts ? [kv([["Cuts", d.cuts.cuts.length], ["First cut", fmtT(d.cuts.first_cut_s)], ["Mean shot", fmtT(d.cuts.mean_shot_s)], ["Cuts per 10 s", d.cuts.cuts_per_10s]], "cuts"), timeline(d.cuts)] : empty("No scene cuts."))));
      out.push(el("h3", { text: "Stages" }), kv(Object.entries(d.stages).map(([k, s]) => [k, s ? s.status + " · " + s.extractor + (s.seconds !== null ? " · " + s.seconds + " s" : "") + (s.note ? " · " + s.note : "") : "not run"]), "stages"));
      out.push(el("h3", { text: "Raw JSON" }), el("pre", { class: "raw", "data-testid": "raw-json", text: JSON.stringify(Object.assign({ video_id: r.id }, d), null, 2) }));
      return out;
    },
  };
  function timeline(c) {
    const dur = c.duration || (c.cuts.length ? c.cuts[c.cuts.length - 1] + 1 : 1);
    const ns = "http://www.w3.org/2000/svg";
    const svg = document.createElementNS(ns, "svg");
    svg.setAttribute("viewBox", "0 0 400 40"); svg.setAttribute("width", "400"); svg.setAttribute("data-testid", "cut-timeline");
    const base = document.createElementNS(ns, "rect");
    Object.entries({ x: 0, y: 14, width: 400, height: 12, fill: "#e5e7eb", rx: 3 }).forEach(([k, v]) => base.setAttribute(k, v));
    svg.append(base);
    for (const t of c.cuts) {
      const line = document.createElementNS(ns, "rect");
      Object.entries({ x: Math.min(398, (400 * t) / dur), y: 8, width: 2, height: 24, fill: "#2563eb" }).forEach(([k, v]) => line.setAttribute(k, v));
      svg.append(line);
    }
    return svg;
  }

  // --- cohorts, creative charts, insights --------------------------------------------------------
  const charts = DATA.charts || {};
  const svgBox = (svg, testid) => { const d = el("div", { class: "chart", "data-testid": testid }); d.innerHTML = svg; return d; };
  if (!DATA.cohorts.length) $("cohort-list").append(empty("No cohorts yet."));
  if (DATA.cohorts_total > DATA.cohorts.length)
    $("cohort-list").append(el("p", { class: "muted", "data-testid": "cohorts-more", text: "The newest " + DATA.cohorts.length + " of " + DATA.cohorts_total + " cohorts; every cohort is in the BI view bi_cohort_timeseries." }));
  for (const c of DATA.cohorts) {
    const box = el("div", { class: "cohort", "data-cohort": c.id },
      el("h3", { text: c.id + " · " + c.kind + " · " + c.status + " · " + c.members + " videos · started " + (c.started_at || "").replace("T", " ").slice(0, 16) + " UTC" }));
    if (charts["cohort:" + c.id]) box.append(svgBox(charts["cohort:" + c.id], "growth-" + c.id));
    box.append(el("table", { "data-testid": "cohort-summary" }, el("thead", {}, el("tr", {}, ["Timepoint", "Planned", "Observed", "Missed", "Not returned", "Late", "Median views", "Total views"].map((h) => el("th", { text: h })))),
      el("tbody", {}, c.summary.map((s) => el("tr", { "data-timepoint": s.timepoint }, el("td", { text: s.timepoint }), el("td", { class: "num", text: s.planned }), el("td", { class: "num", text: s.observed }),
        el("td", { class: "num", text: s.missed }), el("td", { class: "num", text: s.not_returned }), el("td", { class: "num", text: s.late }),
        el("td", { class: "num", "data-value": s.median_views ?? "", text: fmtInt(s.median_views === null ? null : Math.round(s.median_views)) }), el("td", { class: "num", text: fmtInt(s.total_views) }))))));
    $("cohort-list").append(box);
  }
  let anyChart = false;
  for (const [key, svg] of Object.entries(charts)) if (!key.startsWith("cohort:")) { $("creative-charts").append(svgBox(svg, "chart-" + key)); anyChart = true; }
  if (!anyChart) $("creative-charts").append(empty("No scored videos with KPIs yet."));
  else $("creative-charts").after(el("p", { class: "muted", text: "Velocity is views per hour over the last 24 h, so it falls as a video ages: newer videos sit higher in the left chart. The associations below hold video age constant." }));
  const ins = DATA.insights || {};
  if (ins.correlations && ins.correlations.length) {
    $("insights").append(el("h3", { text: "Strongest associations (Spearman rank correlation, 95% CI; velocity with video age held constant; associations in this account's videos, not a forecast)" }),
      el("table", { "data-testid": "insights" }, el("thead", {}, el("tr", {}, ["Feature", "Outcome", "n", "rho", "95% CI", ""].map((h) => el("th", { text: h })))),
        el("tbody", {}, ins.correlations.map((c) => el("tr", {}, el("td", { text: c.feature }), el("td", { text: c.outcome }), el("td", { class: "num", text: c.n }),
          el("td", { class: "num", text: fmtNum(c.rho, 2) }), el("td", { class: "num", text: c.ci_low === null ? "–" : "[" + fmtNum(c.ci_low, 2) + ", " + fmtNum(c.ci_high, 2) + "]" }),
          el("td", { class: "muted", text: c.ci_low !== null && c.ci_low <= 0 && 0 <= c.ci_high ? "CI includes 0: could be chance" : "" }))))));
  }
  if (ins.archetypes && ins.archetypes.length) {
    $("insights").append(el("h3", { text: "Creative archetypes" }), el("ul", { "data-testid": "archetypes" }, ins.archetypes.map((x) =>
      el("li", { text: x.label + " · " + x.size + " videos · median engagement " + fmtPct(x.median_engagement_rate) + " · median velocity " + fmtRate(x.median_velocity_24h) }))));
  }

  // Deep links: #video=<id>&tab=<tab> opens a detail view (shareable, survives reloads).
  function whenParsed() {
    const hash = new URLSearchParams(location.hash.slice(1));
    const tab = hash.get("tab");
    if (hash.get("video")) openDetail(hash.get("video"), tab && Object.prototype.hasOwnProperty.call(TABS, tab) ? tab : "overview");
    document.body.dataset.ready = "1";
  }
  if (document.readyState === "loading") document.addEventListener("DOMContentLoaded", whenParsed); else whenParsed();
})();
