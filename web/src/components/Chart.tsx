// uPlot wrapper: creates the plot once per option set, feeds new data in
// place, follows the container's width.
import { useEffect, useRef } from "react";
import uPlot from "uplot";
import "uplot/dist/uPlot.min.css";

export interface ChartProps {
  options: Omit<uPlot.Options, "width" | "height">;
  data: uPlot.AlignedData;
  height?: number;
  label: string;
}

export function Chart({ options, data, height = 260, label }: ChartProps) {
  const box = useRef<HTMLDivElement>(null);
  const plot = useRef<uPlot | null>(null);

  useEffect(() => {
    if (!box.current) return;
    const width = Math.max(box.current.clientWidth, 300);
    plot.current = new uPlot({ ...options, width, height }, data, box.current);
    const ro = typeof ResizeObserver !== "undefined" ? new ResizeObserver(() => {
      if (box.current && plot.current) plot.current.setSize({ width: Math.max(box.current.clientWidth, 300), height });
    }) : null;
    ro?.observe(box.current);
    return () => {
      ro?.disconnect();
      plot.current?.destroy();
      plot.current = null;
    };
    // data goes in through setData below
    // eslint-disable-next-line react-hooks/exhaustive-deps
  }, [options, height]);

  useEffect(() => {
    plot.current?.setData(data);
  }, [data]);

  return <div className="chart" ref={box} role="img" aria-label={label} />;
}

/** Axis values in the browser's zone. */
export function localTimeAxis(): uPlot.Axis {
  return {
    values: (_u, splits) =>
      splits.map((s) => new Date(s * 1000).toLocaleString(undefined, { month: "short", day: "2-digit", hour: "2-digit", minute: "2-digit" })),
    size: 50,
  };
}
