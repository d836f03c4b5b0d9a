"""Building blocks of the dashboards: the query selectors every panel shares, panel targets,
latency quantiles, and ``Dashboard`` (panels laid out on Grafana's 24-column grid, with the
data source, namespace and model variables)."""

from __future__ import annotations

from typing import Any

NS = 'namespace=~"$namespace"'
M = f'model=~"$model",{NS}'
EM = f'model_name=~"$model",{NS}'
RATE = "$__rate_interval"


def q(expr: str, legend: str = "") -> dict[str, Any]:
    return {"expr": expr, "legendFormat": legend}


def quantiles(metric: str, selector: str, by: str = "") -> list[dict[str, Any]]:
    group = f"le{', ' + by if by else ''}"
    return [
        q(
            f"histogram_quantile({level}, sum by ({group}) (rate({metric}_bucket{{{selector}}}[{RATE}])))",
            f"p{int(level * 100)}{' {{' + by + '}}' if by else ''}",
        )
        for level in (0.5, 0.95, 0.99)
    ]


class Dashboard:
    def __init__(self, uid: str, title: str, description: str, *, model_label: str = "model"):
        self.uid, self.title, self.description, self.model_label = uid, title, description, model_label
        self.panels: list[dict[str, Any]] = []
        self._x = self._y = 0

    def row(self, title: str) -> Dashboard:
        if self._x:
            self._x, self._y = 0, self._y + 8
        self.panels.append(
            {
                "type": "row",
                "title": title,
                "collapsed": False,
                "gridPos": {"h": 1, "w": 24, "x": 0, "y": self._y},
                "panels": [],
            }
        )
        self._y += 1
        return self

    def panel(
        self,
        title: str,
        targets: list[dict[str, Any]],
        *,
        unit: str = "short",
        kind: str = "timeseries",
        width: int = 12,
        description: str = "",
    ) -> Dashboard:
        if self._x + width > 24:
            self._x, self._y = 0, self._y + 8
        panel = {
            "type": kind,
            "title": title,
            "description": description,
            "datasource": {"type": "prometheus", "uid": "${datasource}"},
            "gridPos": {"h": 8, "w": width, "x": self._x, "y": self._y},
            "fieldConfig": {"defaults": {"unit": unit}, "overrides": []},
            "options": {"legend": {"displayMode": "list", "placement": "bottom"}}
            if kind == "timeseries"
            else {"reduceOptions": {"calcs": ["lastNotNull"]}},
            "targets": [
                {**t, "refId": chr(ord("A") + i), "datasource": {"type": "prometheus", "uid": "${datasource}"}}
                for i, t in enumerate(targets)
            ],
        }
        self.panels.append(panel)
        self._x += width
        return self

    def to_json(self) -> dict[str, Any]:
        for i, p in enumerate(self.panels, start=1):
            p["id"] = i
        variables = [
            {
                "name": "datasource",
                "type": "datasource",
                "query": "prometheus",
                "label": "Data source",
                "current": {},
                "hide": 0,
            },
            label_variable(
                "namespace",
                "Namespace",
                "llmops_requests_total" if self.model_label == "model" else "ray_vllm_num_requests_running",
                "namespace",
            ),
            label_variable(
                "model",
                "Model",
                "llmops_requests_total" if self.model_label == "model" else "ray_vllm_num_requests_running",
                self.model_label,
            ),
        ]
        return {
            "uid": self.uid,
            "title": self.title,
            "description": self.description,
            "tags": ["llmops"],
            "timezone": "utc",
            "schemaVersion": 39,
            "version": 1,
            "editable": True,
            "refresh": "30s",
            "time": {"from": "now-1h", "to": "now"},
            "templating": {"list": variables},
            "annotations": {"list": []},
            "panels": self.panels,
        }


def label_variable(name: str, label: str, metric: str, metric_label: str) -> dict[str, Any]:
    return {
        "name": name,
        "label": label,
        "type": "query",
        "datasource": {"type": "prometheus", "uid": "${datasource}"},
        "query": {"query": f"label_values({metric}, {metric_label})", "refId": f"{name}-values"},
        "definition": f"label_values({metric}, {metric_label})",
        "includeAll": True,
        "allValue": ".*",
        "multi": True,
        "current": {"text": "All", "value": "$__all"},
        "refresh": 2,
        "hide": 0,
    }
