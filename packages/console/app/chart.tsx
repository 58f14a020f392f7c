/** A live line graph (uPlot) that follows its data as it is polled. */
import { useEffect, useRef } from 'preact/hooks';
import uPlot from 'uplot';
import 'uplot/dist/uPlot.min.css';

/** One line of a {@link LiveChart}. */
export interface Line {
  readonly label: string;
  readonly color: string;
  readonly values: readonly number[];
}

const HEIGHT = 180;

/**
 * A time-series graph: `times` are Unix milliseconds, each line one value per time. The plot is made
 * once and fed new data on each render; it follows its container's width.
 */
export function LiveChart(props: { title: string; times: readonly number[]; lines: readonly Line[] }) {
  const box = useRef<HTMLDivElement>(null);
  const plot = useRef<uPlot | null>(null);
  const data = (): uPlot.AlignedData => [
    props.times.map((t) => t / 1000),
    ...props.lines.map((l) => [...l.values]),
  ];
  const labels = props.lines.map((l) => `${l.label}:${l.color}`).join('|');

  // Rebuilt only when the lines change; new data goes through setData below.
  useEffect(() => {
    const el = box.current;
    if (!el) return;
    const chart = new uPlot(
      {
        width: Math.max(el.clientWidth, 200),
        height: HEIGHT,
        legend: { show: true, live: false },
        cursor: { drag: { x: false, y: false } },
        scales: { y: { range: (_u, _min, max) => [0, Math.max(1, max * 1.1)] } },
        series: [{}, ...props.lines.map((l) => ({ label: l.label, stroke: l.color, width: 2 }))],
        axes: [{}, { size: 60 }],
      },
      data(),
      el,
    );
    plot.current = chart;
    const resize = new ResizeObserver(() =>
      chart.setSize({ width: Math.max(el.clientWidth, 200), height: HEIGHT }),
    );
    resize.observe(el);
    return () => {
      resize.disconnect();
      chart.destroy();
      plot.current = null;
    };
  }, [labels]);

  useEffect(() => {
    plot.current?.setData(data());
  });

  return (
    <figure class="chart" aria-label={props.title}>
      <figcaption>{props.title}</figcaption>
      <div ref={box} />
    </figure>
  );
}
