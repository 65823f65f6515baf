// Loupe dashboards: fetch each card's rows and draw them (ECharts, an HTML table or a number).
// Each card ends with data-state="ready" (data-rows = row count), "empty" or "error"; a KPI
// with its previous period also has data-previous and data-change.
"use strict";

(function () {
  const numberFormat = new Intl.NumberFormat("en-US", { maximumFractionDigits: 2 });
  const charts = [];
  // ECharts' default palette; a category keeps its colour whatever the filters (settings.categories
  // fixes the order; other values take a colour from their name).
  const palette = ["#5470c6", "#91cc75", "#fac858", "#ee6666", "#73c0de", "#3ba272", "#fc8452",
    "#9a60b4", "#ea7ccc"];
  let moneyFormat = numberFormat;

  function colorOf(name, settings) {
    const fixed = (settings.categories || []).indexOf(name);
    if (fixed >= 0) return palette[fixed % palette.length];
    let hash = 0;
    for (const char of String(name)) hash = (hash * 31 + char.charCodeAt(0)) >>> 0;
    return palette[hash % palette.length];
  }

  function isMoney(data, column) {
    return ((data.settings || {}).money || []).includes(column);
  }

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

  // Seconds as a duration: "12 d 11 h", "3 h 5 min", "7 min", "42 s".
  function duration(seconds) {
    if (seconds < 60) return `${Math.round(seconds)} s`;
    const minutes = Math.floor(seconds / 60);
    const hours = Math.floor(minutes / 60);
    const days = Math.floor(hours / 24);
    if (days) return `${days} d ${hours % 24} h`;
    return hours ? `${hours} h ${minutes % 60} min` : `${minutes} min`;
  }

  // A value of a card's column: money with the currency sign, a duration (settings.durations,
  // in seconds) in days and hours, a rate with "%".
  function formatOf(data, value, column) {
    if (isNumber(value) && isMoney(data, column)) return moneyFormat.format(value);
    const durations = (data.settings || {}).durations || [];
    if (isNumber(value) && durations.includes(column)) return duration(value);
    const text = format(value, column);
    return /_pct$/.test(column || "") && isNumber(value) ? `${text} %` : text;
  }

  // The change from the previous period: points for a rate, else relative (none from zero).
  function changeOf(value, before, metric) {
    if (!isNumber(value) || !isNumber(before)) return "–";
    const sign = (x) => (x > 0 ? "+" : x < 0 ? "-" : "±");
    if (/_pct$/.test(metric)) {
      const diff = value - before;
      return `${sign(diff)}${Math.abs(diff).toFixed(1)} pp`;
    }
    if (before === 0) return "–";
    const relative = (100 * (value - before)) / Math.abs(before);
    return `${sign(relative)}${Math.abs(relative).toFixed(1)}%`;
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
    const at = column(data, metric, 0);
    const value = data.rows[0][at];
    if (value === null || value === undefined) return false;
    const div = document.createElement("div");
    div.className = "scalar";
    div.title = label(metric);
    const shown = document.createElement("span");
    shown.className = "value";
    shown.textContent = formatOf(data, value, metric);
    div.appendChild(shown);
    const previous = data.previous;
    if (previous) {
      const line = document.createElement("span");
      line.className = "previous";
      const range = `${previous.start} – ${previous.end}`;
      if (previous.rows === null) {
        line.textContent = `${range}: no data (data from ${previous.first_day})`;
      } else {
        const before = previous.rows.length ? previous.rows[0][at] : null;
        const change = changeOf(value, before, metric);
        line.textContent = `${range}: ${formatOf(data, before, metric)} `;
        const badge = document.createElement("span");
        badge.className = "change";
        badge.textContent = change;
        line.appendChild(badge);
        card.dataset.previous = before === null ? "" : String(before);
        card.dataset.change = change;
      }
      div.appendChild(line);
    }
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
        td.textContent = formatOf(data, value, data.columns[i]);
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

  // Category-axis series: one per metric, or one per value of settings.series (first metric),
  // each with its colour; `rows` default to the card's (the previous period's rows, moved onto
  // the range's days, give the faint lines).
  function axisSeries(data, rows = data.rows, categories = null) {
    const settings = data.settings || {};
    const d = column(data, settings.dimension, 0);
    categories = categories || [...new Set(rows.map((r) => String(r[d])))];
    const metrics = metricsOf(data);
    if (settings.series && data.columns.includes(settings.series)) {
      const s = column(data, settings.series);
      const m = column(data, metrics[0]);
      const names = [...new Set(rows.map((r) => String(r[s])))];
      const series = names.map((name) => {
        const byCategory = new Map();
        rows.filter((r) => String(r[s]) === name).forEach((r) => byCategory.set(String(r[d]), r[m]));
        return { name, color: colorOf(name, settings),
          data: categories.map((c) => (byCategory.has(c) ? byCategory.get(c) : null)) };
      });
      return { categories, series };
    }
    const series = metrics.map((metric, i) => {
      const m = column(data, metric);
      const byCategory = new Map(rows.map((r) => [String(r[d]), r[m]]));
      return { name: label(metric), color: palette[i % palette.length],
        data: categories.map((c) => (byCategory.has(c) ? byCategory.get(c) : null)) };
    });
    return { categories, series };
  }

  // The previous period of a trend as faint dashed lines, in the colours of the current ones.
  function previousSeries(data, categories) {
    const previous = data.previous;
    if (!previous || !previous.rows || !previous.rows.length) return [];
    return axisSeries(data, previous.rows, categories).series
      .filter((s) => s.data.some((v) => v !== null))
      .map((s) => ({ ...s, name: `${s.name} (previous period)`, previous: true }));
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
      const metric = data.columns[m];
      const items = data.rows.map((r) => ({ name: String(r[d]), value: r[m],
        itemStyle: display === "pie" ? { color: colorOf(String(r[d]), settings) } : undefined }));
      if (display === "pie") {
        return {
          ...base,
          legend: { type: "scroll", top: 0 },
          tooltip: { trigger: "item", confine: true,
            formatter: (p) => `${p.name}: ${formatOf(data, p.value, metric)} (${p.percent}%)` },
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
    const faint = display === "line" || display === "area" ? previousSeries(data, categories) : [];
    const horizontal = display === "row";
    const categoryAxis = { type: "category", data: categories, inverse: horizontal,
      axisLabel: { hideOverlap: true } };
    const valueAxis = { type: "value" };
    return {
      ...base,
      legend: series.length + faint.length > 1 ? { type: "scroll", top: 0 } : undefined,
      grid: { ...base.grid, top: series.length + faint.length > 1 ? 36 : 16 },
      xAxis: horizontal ? valueAxis : categoryAxis,
      yAxis: horizontal ? categoryAxis : valueAxis,
      series: [...series, ...faint].map(({ previous, color, ...s }) => ({
        ...s,
        type: display === "line" || display === "area" ? "line" : "bar",
        areaStyle: display === "area" && !previous ? {} : undefined,
        stack: settings.stacked && !previous ? "total" : undefined,
        showSymbol: categories.length < 40 && !previous,
        connectNulls: false,
        silent: !!previous,
        z: previous ? 1 : 2,
        itemStyle: { color, opacity: previous ? 0.35 : 1 },
        lineStyle: previous ? { color, opacity: 0.35, type: "dashed", width: 1.5 } : { color },
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
    const grid = document.querySelector(".grid[data-currency]");
    if (grid) {
      moneyFormat = new Intl.NumberFormat("en-US", { style: "currency",
        currency: grid.dataset.currency, currencyDisplay: "narrowSymbol",
        minimumFractionDigits: 0, maximumFractionDigits: 2 });
    }
    autoSubmit();
    document.querySelectorAll(".card[data-url]").forEach(loadCard);
    let pending = null;
    window.addEventListener("resize", () => {
      clearTimeout(pending);
      pending = setTimeout(() => charts.forEach((chart) => chart.resize()), 100);
    });
  });
})();
