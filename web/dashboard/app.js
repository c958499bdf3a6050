// The plant dashboard: reads the API (/api/v1) with the token the server put in a cookie when the
// page was opened with ?token=..., draws with ECharts (served by xinzhi from the npm package).
(function () {
  "use strict";
  const T = {
    en: { title: "Plant", overview: "Overview", alarms: "Alarms", quality: "Data quality", time: "Time", machine: "Machine",
          sensor: "Sensor", score: "Score", rule: "Rule", state: "State", open: "open alarms", last: "last reading",
          "quality-help": "Completeness of each series after cleaning (share of expected readings present).",
          loading: "Loading…", noalarms: "No alarms.", completeness: "completeness", avg: "mean", range: "min–max",
          alarm: "alarm", downtime: "downtime", type: "type", gateway: "gateway", schedule: "Schedule",
          ontime: "on time", late: "late", noplan: "No plan in the warehouse yet.", worse: "Warning: the plan is worse than FIFO on",
          makespan: "makespan", tardiness: "weighted tardiness", planned: "planned maintenance", predicted: "predicted maintenance",
          text: "Text models", "text-help": "A maintenance note in English or Chinese, labelled by the text models the server was started with.",
          defect: "defect found", imputed: "imputed", try: "Label it", nomodels: "The server was started without text models (--text-model DIR).", ack: "Acknowledge", clear: "Clear" },
    zh: { title: "工厂", overview: "总览", alarms: "报警", quality: "数据质量", time: "时间", machine: "设备", sensor: "传感器",
          score: "分数", rule: "规则", state: "状态", open: "未处理报警", last: "最新读数",
          "quality-help": "清洗后各序列的完整性（应有读数中实际存在的比例）。", loading: "加载中…", noalarms: "无报警。",
          completeness: "完整性", avg: "均值", range: "最小–最大", alarm: "报警", downtime: "停机", type: "类型", gateway: "网关",
          schedule: "排产", ontime: "按时", late: "延期", noplan: "仓库中还没有排产计划。", worse: "警告：该计划比先进先出（FIFO）差：",
          makespan: "完工时间", tardiness: "加权延误", planned: "计划维护", predicted: "预测性维护",
          defect: "发现的缺陷", imputed: "插补值", text: "文本模型", "text-help": "输入一条中文或英文维修记录，由服务器加载的文本模型进行标注。", try: "标注",
          nomodels: "服务器启动时未加载文本模型（--text-model DIR）。", ack: "确认", clear: "清除" },
  };
  let lang = localStorage.getItem("xinzhi-lang") || "en";
  const t = (k) => (T[lang] && T[lang][k]) || T.en[k] || k;
  const $ = (s) => document.querySelector(s);
  const status = (msg, error) => { const s = $("#status"); s.textContent = msg || ""; s.className = error ? "error" : ""; };
  const fmtTime = (ms) => new Date(ms).toISOString().replace("T", " ").slice(0, 16) + " UTC";
  const charts = [];

  // A snapshot (a run's dashboard.html, written without a server) answers from the data it holds,
  // keyed by endpoint, machine and sensor; it holds every series over its whole range.
  const SNAP = window.XINZHI_SNAPSHOT;
  const snapKey = (path) => {
    const [ep, q] = path.split("?");
    const p = new URLSearchParams(q || "");
    return [ep, p.get("machine") || "", p.get("sensor") || ""].join("|");
  };

  async function api(path, payload) {
    if (SNAP) {
      const hit = SNAP[snapKey(path)];
      if (payload !== undefined || hit === undefined) throw Object.assign(new Error("not in this snapshot"), { status: 404 });
      return hit;
    }
    const init = { credentials: "same-origin" };
    if (payload !== undefined)  // the header that lets the cookie authorise a write (no CSRF)
      Object.assign(init, { method: "POST", body: JSON.stringify(payload),
                            headers: { "Content-Type": "application/json", "X-Xinzhi-Request": "1" } });
    const r = await fetch("/api/v1/" + path, init);
    const answer = await r.json().catch(() => ({}));
    if (!r.ok) throw Object.assign(new Error((answer.error && answer.error.message) || ("HTTP " + r.status)), { status: r.status });
    return answer;
  }

  function translate() {
    document.documentElement.lang = lang === "zh" ? "zh-CN" : "en";
    document.querySelectorAll("[data-i18n]").forEach((e) => { e.textContent = t(e.dataset.i18n); });
    $("#lang").textContent = lang === "zh" ? "English" : "中文";
  }

  function show(view) {
    document.querySelectorAll(".view").forEach((v) => { v.hidden = v.id !== view; });
    document.querySelectorAll("nav button[data-view]").forEach((b) => b.classList.toggle("active", b.dataset.view === view));
    charts.forEach((c) => c.resize());
  }

  async function overview() {
    const [{ machines }, { sensors }] = await Promise.all([api("machines"), api("sensors")]);
    const box = $("#machines");
    box.innerHTML = "";
    let lo = Infinity, hi = -Infinity;
    for (const m of machines) {
      lo = Math.min(lo, m.first_ts || Infinity); hi = Math.max(hi, m.last_ts || -Infinity);
      const card = document.createElement("div");
      card.className = "card" + (m.open_alarms > 0 ? " alarm" : "");
      card.dataset.machine = m.machine;
      const units = sensors.filter((s) => s.machine === m.machine).map((s) => s.sensor).join(", ");
      card.innerHTML = `<h3><span class="name"></span>${m.open_alarms > 0 ? `<span class="badge" title="${t("open")}">${m.open_alarms}</span>` : ""}</h3>
        <dl><dt>${t("type")}</dt><dd>${m.type || "–"}</dd><dt>${t("gateway")}</dt><dd>${m.gateway || "–"}</dd>
        <dt>${t("last")}</dt><dd>${m.last_ts ? fmtTime(m.last_ts) : "–"}</dd><dt>${t("sensor")}</dt><dd class="sensors"></dd></dl>`;
      card.querySelector(".name").textContent = m.machine;
      card.querySelector(".sensors").textContent = units;
      card.addEventListener("click", () => drill(m));
      box.appendChild(card);
    }
    if (isFinite(lo)) $("#plant-range").textContent = fmtTime(lo) + " – " + fmtTime(hi);
    return machines;
  }

  async function drill(m) {
    show("machine");
    $("#machine-title").textContent = m.machine + (m.type ? " · " + m.type : "");
    $("#machine-facts").textContent = `${t("open")}: ${m.open_alarms}`;
    const box = $("#charts");
    box.innerHTML = "";
    charts.splice(0).forEach((c) => c.dispose());
    const from = m.first_ts, to = m.last_ts + 1;
    const q = (s) => `machine=${encodeURIComponent(m.machine)}&sensor=${encodeURIComponent(s)}&from=${from}&to=${to}&points=600`;
    const [{ sensors }, { alarms }, { windows }, { breakdowns }] = await Promise.all([
      api("sensors?machine=" + encodeURIComponent(m.machine)),
      api("alarms?machine=" + encodeURIComponent(m.machine)),
      api(`downtime?from=${from}&to=${to}`),
      api("breakdowns?machine=" + encodeURIComponent(m.machine)),
    ]);
    const mine = windows.filter((w) => w.machine === m.machine);
    const failures = breakdowns.map((b) => [{ xAxis: b.reported_ms, name: b.fault, itemStyle: { color: "rgba(239,68,68,.18)" } },
                                            { xAxis: b.repaired_ms || to }]);
    for (const s of sensors) {
      const div = document.createElement("div");
      div.className = "chart";
      div.dataset.sensor = s.sensor;
      box.appendChild(div);
      const [{ buckets }, cleaning] = await Promise.all([
        api("readings?" + q(s.sensor)),
        api(`cleaning?machine=${encodeURIComponent(m.machine)}&sensor=${encodeURIComponent(s.sensor)}`).catch(() => ({ actions: [], imputed: [] })),
      ]);
      const defects = cleaning.actions.filter((a) => a.ts != null && a.old_value != null && a.step !== "dedup");
      const chart = echarts.init(div);
      charts.push(chart);
      const unit = s.unit ? ` (${s.unit})` : "";
      chart.setOption({
        animation: false,
        title: { text: s.sensor + unit, left: 10, top: 6, textStyle: { fontSize: 13 } },
        tooltip: { trigger: "axis" },
        legend: { right: 10, top: 6, data: [t("avg"), t("range"), t("alarm"), t("defect"), t("imputed")] },
        grid: { left: 60, right: 30, top: 40, bottom: 60 },
        xAxis: { type: "time", axisLabel: { hideOverlap: true } },
        yAxis: { type: "value", scale: true },
        dataZoom: [{ type: "inside" }, { type: "slider", height: 18, bottom: 10 }],
        series: [
          { name: "min", type: "line", data: buckets.map((b) => [b.ts, b.min]), lineStyle: { opacity: 0 }, stack: "band", symbol: "none" },
          { name: t("range"), type: "line", data: buckets.map((b) => [b.ts, b.max - b.min]), lineStyle: { opacity: 0 },
            areaStyle: { color: "rgba(59,130,246,.18)" }, stack: "band", symbol: "none" },
          { name: t("avg"), type: "line", data: buckets.map((b) => [b.ts, b.avg]), symbol: "none", lineStyle: { width: 1.2, color: "#1d4ed8" },
            markArea: { itemStyle: { color: "rgba(107,114,128,.15)" },
                        data: mine.map((w) => [{ xAxis: w.start_ms, name: w.kind }, { xAxis: w.end_ms || to }]).concat(failures) } },
          { name: t("defect"), type: "scatter", symbol: "triangle", symbolSize: 7, itemStyle: { color: "#f59e0b" },
            tooltip: { formatter: (p) => `${p.data[2]}: ${p.data[3]}` },
            data: defects.map((a) => [a.ts, a.old_value, a.step, a.reason]) },
          { name: t("imputed"), type: "scatter", symbolSize: 6, itemStyle: { color: "#fff", borderColor: "#16a34a", borderWidth: 1.5 },
            data: cleaning.imputed.map((i) => [i.ts, i.value]) },
          { name: t("alarm"), type: "scatter", symbolSize: 8, itemStyle: { color: "#ef4444" },
            data: alarms.filter((a) => !a.sensor || a.sensor === s.sensor).map((a) => {
              const b = buckets.find((x, i) => i + 1 === buckets.length || buckets[i + 1].ts > a.ts);
              return [a.ts, b ? b.max : null];
            }) },
        ],
      });
    }
  }

  async function alarmView() {
    const { alarms } = await api("alarms?limit=500");
    const body = $("#alarm-table tbody");
    body.innerHTML = "";
    if (!alarms.length) body.innerHTML = `<tr><td colspan="6">${t("noalarms")}</td></tr>`;
    for (const a of alarms) {
      const tr = document.createElement("tr");
      for (const [v, cls] of [[fmtTime(a.ts)], [a.machine], [a.sensor || "–"], [a.score.toFixed(3), "num"], [a.rule], [a.state]]) {
        const td = document.createElement("td");
        td.textContent = v;
        if (cls) td.className = cls;
        tr.appendChild(td);
      }
      const act = document.createElement("td");
      if (SNAP) { tr.appendChild(act); body.appendChild(tr); continue; }
      for (const [verb, label] of [["ack", t("ack")], ["clear", t("clear")]]) {
        if ((verb === "ack" && a.state !== "open") || a.state === "cleared") continue;
        const b = document.createElement("button");
        b.textContent = label;
        b.dataset.alarm = a.id;
        b.dataset.verb = verb;
        b.addEventListener("click", async () => {
          try { await api(`alarms/${a.id}/${verb}`, {}); await alarmView(); status(""); }
          catch (e) { status(e.message, true); }  // a viewer's token: 403 with the role it takes
        });
        act.appendChild(b);
      }
      tr.appendChild(act);
      body.appendChild(tr);
    }
  }

  async function qualityView() {
    const { quality } = await api("quality");
    const after = quality.filter((q) => q.phase === "after");
    const machines = [...new Set(after.map((q) => q.machine))];
    const sensors = [...new Set(after.map((q) => q.sensor))];
    const div = $("#heatmap");
    let chart = echarts.getInstanceByDom(div) || echarts.init(div);
    if (!charts.includes(chart)) charts.push(chart);
    chart.setOption({
      animation: false,
      tooltip: { formatter: (p) => `${machines[p.value[1]]} · ${sensors[p.value[0]]}: ${(100 * p.value[2]).toFixed(2)}%` },
      grid: { left: 70, right: 90, top: 20, bottom: 60 },
      xAxis: { type: "category", data: sensors },
      yAxis: { type: "category", data: machines },
      visualMap: { min: 0.9, max: 1, calculable: true, precision: 3, orient: "vertical", right: 10, top: "center", text: ["100%", "90%"],
                   formatter: (v) => (100 * v).toFixed(1) + "%",
                   inRange: { color: ["#b91c1c", "#f59e0b", "#22c55e"] } },
      series: [{ type: "heatmap", name: t("completeness"), label: { show: true, formatter: (p) => (100 * p.value[2]).toFixed(1) },
                 data: after.map((q) => [sensors.indexOf(q.sensor), machines.indexOf(q.machine), q.completeness]) }],
    });
  }

  // New readings and alarms as they are committed (Server-Sent Events; the cookie authorises it).
  function live() {
    if (!window.EventSource) return;
    const es = new EventSource("/api/v1/stream");
    es.addEventListener("readings", (e) => {
      const last = {};
      for (const r of JSON.parse(e.data)) last[r.machine] = Math.max(last[r.machine] || 0, r.ts);
      for (const [m, ts] of Object.entries(last)) {
        const dd = document.querySelector(`.card[data-machine="${CSS.escape(m)}"] dd:nth-of-type(3)`);
        if (dd) dd.textContent = fmtTime(ts);
      }
      document.body.dataset.live = String(Number(document.body.dataset.live || 0) + 1);
    });
    es.addEventListener("alarms", () => { if (!$("#overview").hidden) overview(); if (!$("#alarms").hidden) alarmView(); });
  }

  // The latest plan as a Gantt chart: a row per machine in clock time, late operations red,
  // downtime windows grey; both objectives against FIFO, with a warning where the plan is worse.
  async function scheduleView() {
    let s;
    try { s = await api("schedules/latest"); }
    catch (e) { if (e.status === 404) { $("#schedule-summary").textContent = t("noplan"); return; } throw e; }
    const hours = (ms) => (ms / 3.6e6).toFixed(1) + " h";
    const worse = [];
    if (s.fifo_makespan_ms != null && s.makespan_ms > s.fifo_makespan_ms) worse.push(t("makespan"));
    if (s.fifo_weighted_tardiness != null && s.weighted_tardiness > s.fifo_weighted_tardiness) worse.push(t("tardiness"));
    const fifo = (v, f) => (v == null ? "" : ` (FIFO ${f(v)})`);
    $("#schedule-summary").textContent =
      `${t("makespan")} ${hours(s.makespan_ms)}${fifo(s.fifo_makespan_ms, hours)}, ` +
      `${t("tardiness")} ${Math.round(s.weighted_tardiness)}${fifo(s.fifo_weighted_tardiness, Math.round)}` +
      (worse.length ? ` — ${t("worse")} ${worse.join(", ")}` : "");
    const machines = [...new Set(s.ops.map((o) => o.machine))].sort();
    const end = Math.max(...s.ops.map((o) => o.end_ms));
    const { windows } = await api(`downtime?from=${s.origin_ms}&to=${end}`);
    const div = $("#gantt");
    div.style.height = Math.max(300, 28 * machines.length + 90) + "px";
    const chart = echarts.getInstanceByDom(div) || echarts.init(div);
    if (!charts.includes(chart)) charts.push(chart);
    const bar = (api2, color) => (params, a) => {
      const y = a.coord([0, a.value(0)])[1], x0 = a.coord([a.value(1), 0])[0], x1 = a.coord([a.value(2), 0])[0];
      const h = a.size([0, 1])[1] * 0.7;
      return { type: "rect", shape: { x: x0, y: y - h / 2, width: Math.max(1, x1 - x0), height: h },
               style: { fill: color(params, a), stroke: "#fff", lineWidth: 0.5 } };
    };
    const ops = s.ops.map((o) => ({ value: [machines.indexOf(o.machine), o.start_ms, o.end_ms, o.order_id, o.step, o.due_ms],
                                    late: o.due_ms != null && o.end_ms > o.due_ms }));
    chart.setOption({
      animation: false,
      tooltip: { formatter: (p) => p.seriesIndex === 2 ? `${p.data.value[3]}: ${p.data.value[4]}` :
        `${p.data.value[3]} · ${p.data.value[4] + 1}<br>${fmtTime(p.data.value[1])} – ${fmtTime(p.data.value[2])}` +
        (p.data.value[5] ? `<br>due ${fmtTime(p.data.value[5])}` : "") },
      legend: { data: [t("ontime"), t("late"), t("downtime")], top: 0 },
      grid: { left: 70, right: 30, top: 30, bottom: 60 },
      xAxis: { type: "time", min: s.origin_ms, max: end },
      yAxis: { type: "category", data: machines, inverse: true },
      dataZoom: [{ type: "inside", filterMode: "weakFilter" }, { type: "slider", height: 18, bottom: 10, filterMode: "weakFilter" }],
      series: [
        { name: t("ontime"), type: "custom", renderItem: bar(null, () => "#3b82f6"), encode: { x: [1, 2], y: 0 },
          data: ops.filter((o) => !o.late) },
        { name: t("late"), type: "custom", renderItem: bar(null, () => "#ef4444"), encode: { x: [1, 2], y: 0 },
          data: ops.filter((o) => o.late) },
        { name: t("downtime"), type: "custom", renderItem: bar(null, () => "rgba(107,114,128,.55)"), encode: { x: [1, 2], y: 0 },
          data: windows.filter((w) => machines.includes(w.machine))
                       .map((w) => ({ value: [machines.indexOf(w.machine), Math.max(w.start_ms, s.origin_ms), Math.min(w.end_ms || end, end), w.kind, t(w.kind) ] })) },
      ],
      color: ["#3b82f6", "#ef4444", "#6b7280"],
    });
  }

  async function textView() {
    const { models } = await api("text/models");
    const sel = $("#text-model");
    sel.innerHTML = "";
    for (const m of models) {
      const o = document.createElement("option");
      o.value = m.name;
      o.textContent = `${m.name} (${m.task})`;
      sel.appendChild(o);
    }
    if (!models.length) $("#text-output").textContent = t("nomodels");
  }

  async function start() {
    // The token came in the URL once; the server keeps it in a cookie, so it leaves the address bar.
    // live=0: no live updates (a page that must settle, such as a screenshot).
    const following = !SNAP && new URLSearchParams(location.search).get("live") !== "0";
    if (SNAP) {  // no server behind it: nothing to write or to ask the text models
      document.querySelector('nav button[data-view="text"]').hidden = true;
      document.body.classList.add("snapshot");
    }
    if (location.search.includes("token=")) history.replaceState(null, "", location.pathname + location.hash);
    translate();
    document.querySelectorAll("nav button[data-view]").forEach((b) => b.addEventListener("click", async () => {
      show(b.dataset.view);
      try {
        if (b.dataset.view === "alarms") await alarmView();
        if (b.dataset.view === "quality") await qualityView();
        if (b.dataset.view === "schedule") await scheduleView();
        if (b.dataset.view === "text") await textView();
        if (b.dataset.view === "overview") await overview();
      } catch (e) { status(e.message, true); }
    }));
    $("#back").addEventListener("click", () => show("overview"));
    $("#text-go").addEventListener("click", async () => {
      try {
        const r = await api("text/predict?top=3", { model: $("#text-model").value, text: $("#text-input").value });
        $("#text-output").textContent = JSON.stringify(r.predictions[0], null, 2);
      } catch (e) { $("#text-output").textContent = e.message; }
    });
    $("#lang").addEventListener("click", () => { lang = lang === "zh" ? "en" : "zh"; localStorage.setItem("xinzhi-lang", lang); translate(); overview(); });
    window.addEventListener("resize", () => charts.forEach((c) => c.resize()));
    status(t("loading"));
    try {
      const machines = await overview();
      status("");
      const hash = decodeURIComponent(location.hash.slice(1));
      if (hash.startsWith("machine=")) {
        const m = machines.find((x) => x.machine === hash.slice(8));
        if (m) await drill(m);
      } else if (hash === "quality") { show("quality"); await qualityView(); }
      else if (hash === "schedule") { show("schedule"); await scheduleView(); }
      else if (hash === "alarms") { show("alarms"); await alarmView(); }
      else show("overview");
      document.body.dataset.ready = "1";
      if (following) live();
    } catch (e) { status(e.message, true); document.body.dataset.ready = "error"; }
  }
  start();
})();
