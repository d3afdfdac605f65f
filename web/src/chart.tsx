import { useEffect, useRef } from 'react';
import uPlot from 'uplot';
import 'uplot/dist/uPlot.min.css';
import { formatDate } from './format.ts';

const INTEGER_STEPS = [1, 2, 5, 10, 20, 50, 100, 200, 500, 1_000, 2_000, 5_000, 10_000, 20_000, 50_000, 100_000, 200_000, 500_000, 1_000_000];

export interface Point {
  bucket: string;
  value: string | number;
}

/**
 * A line/bar chart of one KPI over time (uPlot). Only the drawing uses floats: the plotted height of a point is a
 * pixel position. The values shown to people (legend, tooltips) are the API's decimal strings, formatted as given.
 */
export function TimeChart({
  points,
  label,
  format,
  tick,
  integer = false,
  bars = false,
  bucketLabel = formatDate,
  color = '#2563eb',
}: {
  points: Point[];
  label: string;
  format: (v: string | number) => string;
  /** Labels of the value axis. */
  tick?: (v: string | number) => string;
  /** Whole numbers only (counts): no 0.25 ticks. */
  integer?: boolean;
  /** Bars instead of a line (monthly totals). */
  bars?: boolean;
  /** How a bucket is named in the legend (default: the date). */
  bucketLabel?: (bucket: string) => string;
  color?: string;
}) {
  const box = useRef<HTMLDivElement>(null);
  useEffect(() => {
    const el = box.current;
    if (!el) return;
    const xs = points.map((p) => Date.parse(`${p.bucket}T00:00:00Z`) / 1000);
    // Pixel heights for the plot (never shown as numbers).
    const ys = points.map((p) => (typeof p.value === 'number' ? p.value : +p.value));
    const width = () => Math.max(240, el.clientWidth);
    const plot = new uPlot(
      {
        width: width(),
        height: 200,
        tzDate: (ts) => uPlot.tzDate(new Date(ts * 1000), 'UTC'),
        legend: { show: true },
        cursor: { drag: { x: false, y: false } },
        // Bars get half a bucket of room at both ends, so the first and last are not cut in half.
        scales: { x: { time: true, ...(bars ? { range: (_u: uPlot, min: number, max: number): [number, number] => [min - 15 * 86_400, max + 15 * 86_400] } : {}) } },
        axes: [
          { stroke: '#64748b', grid: { stroke: '#eef2f7' }, ticks: { stroke: '#eef2f7' } },
          { stroke: '#64748b', grid: { stroke: '#eef2f7' }, ticks: { stroke: '#eef2f7' }, size: 60, ...(tick ? { values: (_u: uPlot, splits: number[]) => splits.map((v) => tick(v)) } : {}), ...(integer ? { incrs: INTEGER_STEPS } : {}) },
        ],
        series: [
          { label: 'Date', value: (_u, _v, _s, idx) => (idx === null || idx === undefined ? '' : bucketLabel(points[idx]?.bucket ?? '')) },
          {
            label,
            stroke: color,
            width: 2,
            fill: `${color}22`,
            points: { show: !bars && points.length < 40 },
            ...(bars ? { paths: uPlot.paths.bars!({ size: [0.6, 64] }), fill: `${color}cc` } : {}),
            value: (_u, _v, _s, idx) => (idx === null || idx === undefined ? '' : format(points[idx]?.value ?? '')),
          },
        ],
      },
      [xs, ys],
      el,
    );
    const resize = new ResizeObserver(() => plot.setSize({ width: width(), height: 200 }));
    resize.observe(el);
    return () => {
      resize.disconnect();
      plot.destroy();
    };
  }, [points, label, format, tick, integer, bars, bucketLabel, color]);
  return <div className="chart" ref={box} role="img" aria-label={`${label} over time`} />;
}
