import type { EChartsCoreOption } from 'echarts/core';
import { h } from '../shared/dom.js';
import { formatCount } from './format.js';
import { currentLang, defineTexts } from './i18n.js';

/** ECharts (chartEngine.ts) is its own chunk, fetched with the first chart a page draws. */
const engine = () => import('./chartEngine.js');

/** The funnel's stages and their names (the order of server/studio/contracts.ts FUNNEL_STAGES). */
export const FUNNEL_STAGE_KEYS = ['sent', 'delivered', 'clicked', 'applied', 'authorised', 'approved', 'drawn'] as const;
export type FunnelStageKey = (typeof FUNNEL_STAGE_KEYS)[number];

export const stageWords = defineTexts<FunnelStageKey | 'funnel' | 'byDay'>({
  zh: { sent: '发送', delivered: '送达', clicked: '打开或点击', applied: '申请', authorised: '授权', approved: '批准', drawn: '用信', funnel: '转化漏斗', byDay: '按日趋势' },
  en: { sent: 'Sent', delivered: 'Delivered', clicked: 'Opened or clicked', applied: 'Applied', authorised: 'Authorised', approved: 'Approved', drawn: 'Drawn', funnel: 'Conversion funnel', byDay: 'By day' },
});

/** A FunnelReport as GET /api/v1/staff/studio/funnel returns it. */
export interface FunnelReportView {
  readonly stages: readonly { readonly stage: FunnelStageKey; readonly count: number }[];
  readonly series: readonly ({ readonly date: string } & Readonly<Record<FunnelStageKey, number>>)[];
}

/** One line or bar series of a time or category chart. */
export interface ChartSeries {
  readonly name: string;
  readonly data: readonly number[];
  readonly kind?: 'line' | 'bar';
  /** Bars of the same stack are piled (buckets, classes). */
  readonly stack?: string;
}

export interface ChartSpec {
  readonly categories: readonly string[];
  readonly series: readonly ChartSeries[];
  /** How the axis and the tooltip show a value (default: counts in 万 and 亿). */
  readonly format?: (value: number) => string;
  /** Accessible name of the chart (an `img` with this label; the numbers are in the table beside it). */
  readonly label: string;
}

/**
 * A chart in `el` (an element with a height, class `chart`), named for screen readers (the figures
 * are in a table beside it). Returns at once what to call when the page is left; the chart is drawn
 * when the ECharts chunk has arrived (at once after the first time). This module is light and may be
 * imported statically: ECharts stays out of the console's main script (its size, and its innerHTML
 * guard in test/consoleShell.test.ts). Tooltips are drawn inside the SVG (richText), never as HTML, so
 * a campaign's or product's name in one is text whatever it contains.
 */
function mount(el: HTMLElement, label: string, option: EChartsCoreOption): () => void {
  el.setAttribute('role', 'img');
  el.setAttribute('aria-label', label);
  el.classList.add('chart');
  let undone = false;
  let dispose: (() => void) | undefined;
  void engine().then((e) => {
    if (!undone && el.isConnected) dispose = e.mountChart(el, option, currentLang());
  });
  return () => {
    undone = true;
    dispose?.();
  };
}

/** Lines or bars over categories (dates, channels, buckets). */
export function renderSeries(el: HTMLElement, spec: ChartSpec): () => void {
  const fmt = spec.format ?? ((v: number) => formatCount(v));
  return mount(el, spec.label, {
    tooltip: { trigger: 'axis', renderMode: 'richText', valueFormatter: (v: unknown) => (typeof v === 'number' ? fmt(v) : String(v)) },
    legend: { top: 0, type: 'scroll' },
    grid: { left: 8, right: 16, top: 36, bottom: 8, containLabel: true },
    xAxis: { type: 'category', data: [...spec.categories] },
    // Counts never show fractions on the axis.
    yAxis: { type: 'value', ...(spec.format ? {} : { minInterval: 1 }), axisLabel: { formatter: (v: number) => fmt(v) } },
    series: spec.series.map((s) => ({ name: s.name, type: s.kind ?? 'line', data: [...s.data], ...(s.stack ? { stack: s.stack } : {}), ...(s.kind === 'bar' ? {} : { showSymbol: spec.categories.length <= 31 }) })),
  });
}

/**
 * The funnel of a FunnelReport (sent → … → drawn) as a funnel chart, and below it the stages by day
 * as lines. For the campaign page, the manager page and the dashboards:
 * `const undo = renderFunnel(el, report)`; call `undo()` when the page is left.
 */
export function renderFunnel(el: HTMLElement, report: FunnelReportView, options: { readonly stages?: readonly FunnelStageKey[] } = {}): () => void {
  const stages = options.stages ?? FUNNEL_STAGE_KEYS;
  const counts = new Map(report.stages.map((s) => [s.stage, s.count]));
  const top = h('div', { class: 'chart chart-funnel' });
  const days = h('div', { class: 'chart' });
  el.replaceChildren(top, days);
  const undoFunnel = mount(top, stageWords('funnel'), {
    tooltip: { trigger: 'item', renderMode: 'richText', formatter: (p: { name: string; value: number }) => `${p.name}: ${formatCount(p.value)}` },
    series: [{
      type: 'funnel', sort: 'none', left: '10%', width: '80%', top: 8, bottom: 8, minSize: '8%', gap: 2,
      label: { show: true, position: 'inside', formatter: (p: { name: string; value: number }) => `${p.name} ${formatCount(p.value)}` },
      data: stages.map((s) => ({ name: stageWords(s), value: counts.get(s) ?? 0 })),
    }],
  });
  const undoDays = renderSeries(days, {
    label: stageWords('byDay'),
    categories: report.series.map((d) => d.date.slice(5)),
    series: stages.map((s) => ({ name: stageWords(s), data: report.series.map((d) => d[s]) })),
  });
  return () => {
    undoFunnel();
    undoDays();
  };
}
