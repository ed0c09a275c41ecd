import { BarChart, FunnelChart, LineChart } from 'echarts/charts';
import { GridComponent, LegendComponent, TooltipComponent } from 'echarts/components';
import * as echarts from 'echarts/core';
import { SVGRenderer } from 'echarts/renderers';

// Only what the console draws: ECharts' tree-shaken core keeps the chunk to about half the full build.
echarts.use([LineChart, BarChart, FunnelChart, GridComponent, TooltipComponent, LegendComponent, SVGRenderer]);

/** The bank's palette (web/shared/tokens.css --brand first), in series order. */
const PALETTE = ['#c8102e', '#1f6fb2', '#2e8b57', '#d98e04', '#6a4c93', '#00838f', '#8d6e63'];

/**
 * Draws `option` in `el` as SVG (sharp in print, readable by tests) and follows the window's size.
 * Loaded only through charts.ts's dynamic import: this module is the ECharts chunk.
 */
export function mountChart(el: HTMLElement, option: echarts.EChartsCoreOption, lang: 'zh' | 'en'): () => void {
  const chart = echarts.init(el, undefined, { renderer: 'svg', locale: lang === 'zh' ? 'ZH' : 'EN' });
  chart.setOption({ color: PALETTE, animation: false, textStyle: { fontFamily: 'inherit' }, ...option });
  const resize = () => chart.resize();
  window.addEventListener('resize', resize);
  return () => {
    window.removeEventListener('resize', resize);
    chart.dispose();
  };
}
