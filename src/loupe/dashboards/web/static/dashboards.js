// Loupe dashboards: fetch each card's rows and draw them (ECharts, an HTML table or a number).
// Each card ends with data-state="ready" (data-rows = row count), "empty" or "error".
"use strict";

(function () {
  const numberFormat = new Intl.NumberFormat("en-US", { maximumFractionDigits: 2 });
  const charts = [];

  function label(column) {
    const text = String(column).replace(/_pct$/, " %").replace(/_/g, " ");
    return text.charAt(0).toUpperCase() + text.slice(1);
  }

  function isNumber(value) {
    return typeof value === "number" && Number.isFinite(value);
  }

  const isoMoment = /^(\d{4}-\d{2}-\d{2})T(\d{2}:\d{2}:\d{2})(?:\.\d+)?(Z|[+-]\d{2}:\d{2})?$/;

  // Numbers with thousands separators, except identifiers (`id`, `item_id`, ...); timestamps
  // to the second ("2026-11-18 23:52:19", UTC unless an offset is shown).
  function format(value, column) {
    if (value === null || value === undefined) return "–";
    if (typeof value === "string") {
      const moment = isoMoment.exec(value);
      if (!moment) return value;
      const offset = moment[3] && moment[3] !== "Z" && moment[3] !== "+00:00" ? moment[3] : "";
      return `${moment[1]} ${moment[2]}${offset}`;
    }
    if (!isNumber(value) || /(^|_)id$/.test(column || "")) return String(value);
    return numberFormat.format(value);
  }

  function message(card, state, text) {
    const body = card.querySelector(".body");
    const p = document.createElement("p");
    p.className = "message";
    p.textContent = text;
    body.replaceChildren(p);
    card.dataset.state = state;
    card.dataset.rows = "0";
  }

  function column(data, name, fallback) {
    const index = data.columns.indexOf(name);
    return index >= 0 ? index : fallback;
  }

  function metricsOf(data) {
    const settings = data.settings || {};
    const dimension = settings.dimension;
    const metrics = (settings.metrics || []).filter((m) => data.columns.includes(m));
    if (metrics.length) return metrics;
    return data.columns.filter((c) => c !== dimension && c !== settings.series);
  }

  function renderScalar(card, data) {
    const metric = metricsOf(data)[0] || data.columns[0];
    const value = data.rows[0][column(data, metric, 0)];
    if (value === null || value === undefined) return false;
    const div = document.createElement("div");
    div.className = "scalar";
    div.textContent = format(value, metric) + (/_pct$/.test(metric) && isNumber(value) ? " %" : "");
    div.title = label(metric);
    card.querySelector(".body").replaceChildren(div);
    card.dataset.value = String(value);
    return true;
  }

  function renderTable(card, data) {
    const numeric = data.columns.map((_, i) => data.rows.some((r) => isNumber(r[i])));
    const table = document.createElement("table");
    const head = table.createTHead().insertRow();
    data.columns.forEach((name, i) => {
      const th = document.createElement("th");
      th.textContent = label(name);
      if (numeric[i]) th.className = "num";
      head.appendChild(th);
    });
    const body = table.createTBody();
    for (const row of data.rows) {
      const tr = body.insertRow();
      row.forEach((value, i) => {
        const td = tr.insertCell();
        td.textContent = format(value, data.columns[i]);
        if (numeric[i]) td.className = "num";
      });
    }
    const wrap = document.createElement("div");
    wrap.className = "table-wrap";
    wrap.appendChild(table);
    if (data.total_rows > data.rows.length) {
      const note = document.createElement("p");
      note.className = "note";
      note.textContent = `First ${data.rows.length} of ${data.total_rows} rows.`;
      wrap.appendChild(note);
    }
    card.querySelector(".body").replaceChildren(wrap);
    return true;
  }

  // Category-axis series: one per metric, or one per value of settings.series (first metric).
  function axisSeries(data) {
    const settings = data.settings || {};
    const d = column(data, settings.dimension, 0);
    const categories = [...new Set(data.rows.map((r) => String(r[d])))];
    const metrics = metricsOf(data);
    if (settings.series && data.columns.includes(settings.series)) {
      const s = column(data, settings.series);
      const m = column(data, metrics[0]);
      const names = [...new Set(data.rows.map((r) => String(r[s])))];
      const series = names.map((name) => {
        const byCategory = new Map();
        data.rows.filter((r) => String(r[s]) === name).forEach((r) => byCategory.set(String(r[d]), r[m]));
        return { name, data: categories.map((c) => (byCategory.has(c) ? byCategory.get(c) : null)) };
      });
      return { categories, series };
    }
    const series = metrics.map((metric) => {
      const m = column(data, metric);
      const byCategory = new Map(data.rows.map((r) => [String(r[d]), r[m]]));
      return { name: label(metric), data: categories.map((c) => byCategory.get(c)) };
    });
    return { categories, series };
  }

  function chartOption(display, data) {
    const settings = data.settings || {};
    const base = {
      animation: false,
      aria: { enabled: true }, // a text description of the chart for screen readers
      tooltip: { trigger: display === "pie" || display === "funnel" ? "item" : "axis", confine: true },
      grid: { left: 8, right: 16, top: 36, bottom: 8, containLabel: true },
    };
    if (display === "pie" || display === "funnel") {
      const d = column(data, settings.dimension, 0);
      const m = column(data, metricsOf(data)[0], 1);
      const items = data.rows.map((r) => ({ name: String(r[d]), value: r[m] }));
      if (display === "pie") {
        return {
          ...base,
          legend: { type: "scroll", top: 0 },
          tooltip: { trigger: "item", confine: true,
            formatter: (p) => `${p.name}: ${format(p.value)} (${p.percent}%)` },
          series: [{ type: "pie", radius: ["30%", "60%"], center: ["50%", "55%"], data: items,
            label: { formatter: "{d}%" } }],
        };
      }
      const max = Math.max(...items.map((i) => (isNumber(i.value) ? i.value : 0)), 1);
      return {
        ...base,
        series: [{ type: "funnel", sort: "none", min: 0, max, left: "4%", width: "62%", top: 8,
          bottom: 8, gap: 2, data: items,
          label: { position: "right", color: "#1f2430",
            formatter: (p) => `${p.name}: ${format(p.value)}` } }],
      };
    }
    const { categories, series } = axisSeries(data);
    const horizontal = display === "row";
    const categoryAxis = { type: "category", data: categories, inverse: horizontal,
      axisLabel: { hideOverlap: true } };
    const valueAxis = { type: "value" };
    return {
      ...base,
      legend: series.length > 1 ? { type: "scroll", top: 0 } : undefined,
      grid: { ...base.grid, top: series.length > 1 ? 36 : 16 },
      xAxis: horizontal ? valueAxis : categoryAxis,
      yAxis: horizontal ? categoryAxis : valueAxis,
      series: series.map((s) => ({
        ...s,
        type: display === "line" || display === "area" ? "line" : "bar",
        areaStyle: display === "area" ? {} : undefined,
        stack: settings.stacked ? "total" : undefined,
        showSymbol: categories.length < 40,
        connectNulls: false,
      })),
    };
  }

  function renderChart(card, data) {
    const div = document.createElement("div");
    div.className = "chart";
    card.querySelector(".body").replaceChildren(div);
    const chart = echarts.init(div, null, { renderer: "canvas" });
    chart.setOption(chartOption(card.dataset.display, data));
    charts.push(chart);
    return true;
  }

  async function loadCard(card) {
    let data;
    try {
      const response = await fetch(card.dataset.url, { headers: { Accept: "application/json" } });
      data = await response.json();
      if (!response.ok && !data.error) data.error = `HTTP ${response.status}`;
    } catch (error) {
      message(card, "error", `Could not load this card: ${error.message}`);
      return;
    }
    if (data.error) {
      message(card, "error", `Query failed: ${data.error}`);
      return;
    }
    if (!data.rows.length) {
      message(card, "empty", "No data for these filters");
      return;
    }
    const display = card.dataset.display;
    const drawn =
      display === "scalar" ? renderScalar(card, data)
        : display === "table" ? renderTable(card, data)
          : renderChart(card, data);
    if (!drawn) {
      message(card, "empty", "No data for these filters");
      return;
    }
    card.dataset.rows = String(data.rows.length);
    card.dataset.state = "ready";
  }

  function autoSubmit() {
    const form = document.querySelector("form.filters");
    if (!form) return;
    form.querySelectorAll("select").forEach((select) => {
      select.addEventListener("change", () => form.submit());
    });
  }

  document.addEventListener("DOMContentLoaded", () => {
    autoSubmit();
    document.querySelectorAll(".card[data-url]").forEach(loadCard);
    let pending = null;
    window.addEventListener("resize", () => {
      clearTimeout(pending);
      pending = setTimeout(() => charts.forEach((chart) => chart.resize()), 100);
    });
  });
})();
