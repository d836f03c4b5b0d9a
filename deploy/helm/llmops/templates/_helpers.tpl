{{/* Chart name. */}}
{{- define "llmops.name" -}}
{{- default .Chart.Name .Values.nameOverride | trunc 63 | trimSuffix "-" }}
{{- end }}

{{/* Resource name prefix: release + chart, unless the release name already holds the chart name. */}}
{{- define "llmops.fullname" -}}
{{- if .Values.fullnameOverride }}
{{- .Values.fullnameOverride | trunc 63 | trimSuffix "-" }}
{{- else }}
{{- $name := default .Chart.Name .Values.nameOverride }}
{{- if contains $name .Release.Name }}
{{- .Release.Name | trunc 63 | trimSuffix "-" }}
{{- else }}
{{- printf "%s-%s" .Release.Name $name | trunc 63 | trimSuffix "-" }}
{{- end }}
{{- end }}
{{- end }}

{{/* KubeRay refuses a RayService whose name is over 47 characters (the RayCluster and its
Services add suffixes up to 63) or not a DNS-1035 label; fail at render instead of at reconcile. */}}
{{/* Checks JSON schema cannot express: worker counts in order, GPU models with a GPU group. */}}
{{- define "llmops.validateValues" -}}
{{- range $key := list "cpuWorkers" "gpuWorkers" "spotWorkers" -}}
{{- $group := index $.Values $key -}}
{{- if and $group.enabled (not (and (le (int $group.minReplicas) (int $group.replicas)) (le (int $group.replicas) (int $group.maxReplicas)))) -}}
{{- fail (printf "%s: needs minReplicas <= replicas <= maxReplicas (got %v, %v, %v)" $key $group.minReplicas $group.replicas $group.maxReplicas) -}}
{{- end -}}
{{- end -}}
{{- range $exp := .Values.router.experiments -}}
{{- $sum := 0.0 -}}
{{- range $exp.variants }}{{ $sum = addf $sum .weight }}{{ end -}}
{{- if or (gt $sum 1.000001) (lt $sum 0.999999) -}}
{{- fail (printf "router.experiments %q: variant weights sum to %v, not 1" $exp.name $sum) -}}
{{- end -}}
{{- end -}}
{{- range $model := .Values.models -}}
{{- if and (gt (float64 (default 0 $model.num_gpus)) 0.0) (not (or $.Values.gpuWorkers.enabled $.Values.spotWorkers.enabled)) -}}
{{- fail (printf "model %q asks for num_gpus but no GPU worker group is enabled (gpuWorkers.enabled or spotWorkers.enabled)" $model.name) -}}
{{- end -}}
{{- end -}}
{{- end }}

{{- define "llmops.validateName" -}}
{{- $name := include "llmops.fullname" . -}}
{{- if gt (len $name) 47 -}}
{{- fail (printf "RayService name %q is %d characters: KubeRay accepts at most 47. Use a shorter release name or set fullnameOverride." $name (len $name)) -}}
{{- end -}}
{{- if not (regexMatch "^[a-z]([-a-z0-9]*[a-z0-9])?$" $name) -}}
{{- fail (printf "RayService name %q is not a DNS-1035 label (lowercase letters, digits and '-', starting with a letter, ending with a letter or digit), which KubeRay requires. Rename the release or set fullnameOverride." $name) -}}
{{- end -}}
{{- end }}

{{- define "llmops.chart" -}}
{{- printf "%s-%s" .Chart.Name .Chart.Version | replace "+" "_" | trunc 63 | trimSuffix "-" }}
{{- end }}

{{/* Labels that select this release's pods. */}}
{{- define "llmops.selectorLabels" -}}
app.kubernetes.io/name: {{ include "llmops.name" . }}
app.kubernetes.io/instance: {{ .Release.Name }}
{{- end }}

{{/* Labels on every resource. */}}
{{- define "llmops.labels" -}}
helm.sh/chart: {{ include "llmops.chart" . }}
{{ include "llmops.selectorLabels" . }}
app.kubernetes.io/version: {{ .Chart.AppVersion | quote }}
app.kubernetes.io/managed-by: {{ .Release.Service }}
app.kubernetes.io/part-of: llmops
{{- with .Values.commonLabels }}
{{ toYaml . }}
{{- end }}
{{- end }}

{{- define "llmops.serviceAccountName" -}}
{{- if .Values.serviceAccount.create }}
{{- default (include "llmops.fullname" .) .Values.serviceAccount.name }}
{{- else }}
{{- default "default" .Values.serviceAccount.name }}
{{- end }}
{{- end }}

{{- define "llmops.keysSecretName" -}}
{{- default (printf "%s-api-keys" (include "llmops.fullname" .)) .Values.apiKeys.existingSecret }}
{{- end }}

{{- define "llmops.ragIndexClaim" -}}
{{- default (printf "%s-rag-index" (include "llmops.fullname" .)) .Values.rag.index.existingClaim }}
{{- end }}

{{- define "llmops.modelCacheClaim" -}}
{{- default (printf "%s-model-cache" (include "llmops.fullname" .)) .Values.modelCache.existingClaim }}
{{- end }}

{{/* repository:tag, with @digest when one is set (the digest decides what is pulled). */}}
{{- define "llmops.image" -}}
{{- printf "%s:%s" .Values.image.repository .Values.image.tag }}{{ with .Values.image.digest }}@{{ . }}{{ end }}
{{- end }}

{{- define "llmops.gpuImage" -}}
{{- printf "%s:%s" .Values.image.repository .Values.image.gpuTag }}{{ with .Values.image.gpuDigest }}@{{ . }}{{ end }}
{{- end }}

{{/* Paths inside the pods. */}}
{{- define "llmops.configDir" -}}/etc/llmops/config{{- end }}
{{- define "llmops.keysDir" -}}/etc/llmops/keys{{- end }}
{{- define "llmops.modelDir" -}}/models{{- end }}
{{/* The RAG index (one LanceDB folder), shared by the retrieval replicas and ingestion jobs. */}}
{{- define "llmops.ragIndexDir" -}}/rag{{- end }}
{{/* Writable per-pod state of the gateway (cost ledger, request log): an emptyDir. */}}
{{- define "llmops.stateDir" -}}/var/lib/llmops{{- end }}

{{/* Engine device. build_app runs on the head, which has no GPU, so "auto" cannot be detected
there: it means cuda when a GPU worker group is enabled, else cpu. */}}
{{- define "llmops.engineDevice" -}}
{{- if ne .Values.engine.device "auto" }}{{ .Values.engine.device }}
{{- else if or .Values.gpuWorkers.enabled .Values.spotWorkers.enabled }}cuda
{{- else }}cpu
{{- end }}
{{- end }}

{{/* The build_app config (services.app:build_app args), from structured values. */}}
{{- define "llmops.appArgs" -}}
{{ include "llmops.engineArgs" . }}
models:
{{- include "llmops.gatewayModels" . | nindent 2 }}
gateway:
  host: 0.0.0.0
  port: 8000
  direct_ingress: false
  replicas: {{ .Values.gateway.replicas }}
  num_cpus: {{ .Values.gateway.numCpus }}
  quota_backend: {{ .Values.gateway.quotaBackend }}
  request_timeout_s: {{ .Values.gateway.requestTimeoutSeconds }}
  ready_timeout_s: {{ .Values.gateway.readyTimeoutSeconds }}
  auth_disabled: {{ .Values.gateway.authDisabled }}
  keys_file: {{ include "llmops.keysDir" . }}/keys.json
  prices_file: {{ include "llmops.configDir" . }}/prices.yaml
  ledger_db: {{ include "llmops.stateDir" . }}/ledger.db
  request_log_path: {{ include "llmops.stateDir" . }}/requests.jsonl
  audit_db: {{ include "llmops.stateDir" . }}/audit.db
{{- /* Always explicit: SafetySettings defaults to enabled, and the image has no classifiers. */}}
safety:
  enabled: {{ .Values.safety.enabled }}
{{- if .Values.safety.enabled }}
  policy_file: {{ include "llmops.configDir" . }}/safety-policy.yaml
  models_dir: {{ .Values.safety.classifiersDir }}
  # without safety.watermarkKeySecret, build_app writes a random key here (writable: the state
  # volume; the image's working directory may be read-only)
  watermark_key_file: {{ include "llmops.stateDir" . }}/watermark.key
{{- end }}
{{- /* Always explicit: RagSettings defaults to enabled. */}}
rag:
  enabled: {{ .Values.rag.enabled }}
{{- if .Values.rag.enabled }}
  index_dir: {{ include "llmops.ragIndexDir" . }}
  replicas: {{ .Values.rag.replicas }}
  num_cpus: {{ .Values.rag.numCpus }}
  timeout_s: {{ .Values.rag.timeoutSeconds }}
  aliases:
    {{- toYaml .Values.rag.aliases | nindent 4 }}
{{- end }}
{{- include "llmops.routerArgs" . }}
{{- end }}

{{/* The A/B router's part of the gateway's build_app config (services/router/wiring.py). The
store URL and the tracking URI are not here: they come from Secrets as environment variables
(llmops.routerEnv), which the gateway's settings read for what the config leaves out. */}}
{{- define "llmops.routerArgs" -}}
{{- if .Values.router.enabled }}
router:
  router:
    enabled: true
    experiments_file: {{ include "llmops.configDir" . }}/experiments.yaml
    use_registry: {{ .Values.router.useRegistry }}
    store_comments: {{ .Values.router.storeComments }}
    reload_interval_s: {{ .Values.router.reloadIntervalSeconds }}
    canary_interval_s: {{ .Values.router.canaryIntervalSeconds }}
{{- if .Values.router.useRegistry }}
  registry:
    experiment: {{ .Values.router.registry.experiment | quote }}
{{- else }}
  registry: null
{{- end }}
{{- end }}
{{- end }}

{{/* experiments.yaml: the experiments values, each with router.overrideKeys added to its override_keys. */}}
{{- define "llmops.experimentsFile" -}}
{{- $experiments := list -}}
{{- range .Values.router.experiments -}}
{{- $exp := deepCopy . -}}
{{- $keys := concat (default (list) $exp.override_keys) $.Values.router.overrideKeys | uniq -}}
{{- $_ := set $exp "override_keys" $keys -}}
{{- $experiments = append $experiments $exp -}}
{{- end -}}
{{- toYaml (dict "experiments" $experiments) }}
{{- end }}

{{/* Environment of the A/B router and the registry, from Secrets (every Ray container and job:
the gateway, and `llmops ab`/`llmops registry` in jobs). */}}
{{- define "llmops.routerEnv" -}}
{{- if .Values.router.enabled }}
{{- with .Values.router.store.existingSecret }}
- name: LLMOPS_ROUTER_STORE_URL
  valueFrom:
    secretKeyRef: {name: {{ . }}, key: url}
{{- end }}
{{- if .Values.router.useRegistry }}
{{- with .Values.router.registry.existingSecret }}
- name: LLMOPS_REGISTRY_TRACKING_URI
  valueFrom:
    secretKeyRef: {name: {{ . }}, key: tracking_uri}
- name: MLFLOW_TRACKING_USERNAME
  valueFrom:
    secretKeyRef: {name: {{ . }}, key: username, optional: true}
- name: MLFLOW_TRACKING_PASSWORD
  valueFrom:
    secretKeyRef: {name: {{ . }}, key: password, optional: true}
- name: MLFLOW_TRACKING_TOKEN
  valueFrom:
    secretKeyRef: {name: {{ . }}, key: token, optional: true}
{{- end }}
{{- end }}
{{- end }}
{{- end }}

{{/* Engine settings every application's build_app reads. */}}
{{- define "llmops.engineArgs" -}}
model_store: {{ include "llmops.modelDir" . }}
device: {{ include "llmops.engineDevice" . }}
cpu_kv_cache_gib: {{ .Values.engine.cpuKvCacheGib }}
# an engine replica being replaced finishes its requests first, for as long as the gateway lets one run
gateway:
  request_timeout_s: {{ .Values.gateway.requestTimeoutSeconds }}
{{- end }}

{{/* The gateway application's models: a vllm model runs in its own engine application, which holds
its source and engine settings; the gateway lists it with what it needs (services/common/engine_apps.py
gateway_entry) and own_app, so that a new source (llmops deploy rollout) redeploys that engine's
application alone (Ray Serve hashes an application's args into its code version). */}}
{{- define "llmops.gatewayModels" -}}
{{- $models := list -}}
{{- range .Values.models -}}
{{- if eq (default "vllm" .backend) "vllm" -}}
{{- $models = append $models (set (pick . "name" "task" "max_model_len" "max_lora_rank" "max_loras") "own_app" true) -}}
{{- else -}}
{{- $models = append $models . -}}
{{- end -}}
{{- end -}}
{{- toYaml $models }}
{{- end }}

{{/* The application of one engine, as services/common/engine_apps.py names it. Arg: a model. */}}
{{- define "llmops.engineAppName" -}}
engine-{{ regexReplaceAll "[^A-Za-z0-9_.-]" .name "-" }}
{{- end }}

{{/* Ray Serve config (RayService serveConfigV2): one application per vLLM engine (not exposed over
HTTP), so that changing one model redeploys that engine alone, then the gateway application,
which finds the engines by application name. */}}
{{- define "llmops.serveConfig" -}}
{{- $root := . -}}
{{- $engines := list -}}
http_options:
  host: 0.0.0.0
  port: 8000
applications:
{{- range .Values.models }}
{{- if eq (default "vllm" .backend) "vllm" }}
{{- $engines = append $engines .name }}
  - name: {{ include "llmops.engineAppName" . }}
    import_path: services.app:build_app
    route_prefix: null
    args:
      {{- include "llmops.engineArgs" $root | nindent 6 }}
      engine_app:
        {{- toYaml . | nindent 8 }}
{{- end }}
{{- end }}
  - name: llmops
    import_path: services.app:build_app
    route_prefix: /
    args:
      {{- include "llmops.appArgs" . | nindent 6 }}
      engine_apps:
        {{- toYaml $engines | nindent 8 }}
{{- end }}

{{/* Volumes of every Ray pod and job: config, keys, model cache. */}}
{{- define "llmops.volumes" -}}
- name: config
  configMap:
    name: {{ include "llmops.fullname" . }}-config
- name: api-keys
  secret:
    secretName: {{ include "llmops.keysSecretName" . }}
    optional: true
- name: state
  emptyDir: {}
{{- if .Values.containerSecurityContext.readOnlyRootFilesystem }}
- name: tmp
  emptyDir: {}
- name: cache
  emptyDir: {}
{{- end }}
{{- if .Values.modelCache.enabled }}
- name: model-cache
  persistentVolumeClaim:
    claimName: {{ include "llmops.modelCacheClaim" . }}
{{- end }}
{{- if .Values.rag.enabled }}
- name: rag-index
  persistentVolumeClaim:
    claimName: {{ include "llmops.ragIndexClaim" . }}
{{- end }}
{{- end }}

{{- define "llmops.volumeMounts" -}}
- name: config
  mountPath: {{ include "llmops.configDir" . }}
  readOnly: true
- name: api-keys
  mountPath: {{ include "llmops.keysDir" . }}
  readOnly: true
- name: state
  mountPath: {{ include "llmops.stateDir" . }}
{{- if .Values.containerSecurityContext.readOnlyRootFilesystem }}
# writable places a read-only root filesystem still needs: Ray's session folder and caches
- name: tmp
  mountPath: /tmp
- name: cache
  mountPath: /home/ray/.cache
{{- end }}
{{- if .Values.modelCache.enabled }}
- name: model-cache
  mountPath: {{ include "llmops.modelDir" . }}
{{- end }}
{{- if .Values.rag.enabled }}
- name: rag-index
  mountPath: {{ include "llmops.ragIndexDir" . }}
{{- end }}
{{- end }}

{{/* Environment of every Ray container. */}}
{{- define "llmops.env" -}}
- name: HF_HUB_OFFLINE
  value: "1"
- name: RAY_USAGE_STATS_ENABLED
  value: "0"
# Ray's metrics agent exports a counter twice unless told not to: as a counter (`_total`) and as a
# gauge under the bare name; the dashboards and alerts query only the counters
- name: RAY_EXPORT_COUNTER_AS_GAUGE
  value: "0"
# the cost report and budgets read the chart's price table
- name: LLMOPS_GATEWAY_PRICES_FILE
  value: {{ include "llmops.configDir" . }}/prices.yaml
{{- with include "llmops.routerEnv" . | trim }}
{{ . }}
{{- end }}
{{- with .Values.rayService.env }}
{{ toYaml . }}
{{- end }}
{{- if and .Values.safety.enabled .Values.safety.watermarkKeySecret }}
# one watermark key for every cluster of the release (SafetySettings reads it from the environment)
- name: LLMOPS_SAFETY_WATERMARK_KEY
  valueFrom:
    secretKeyRef: {name: {{ .Values.safety.watermarkKeySecret }}, key: watermark-key}
{{- end }}
{{- end }}

{{/* Secrets whose keys become environment variables of every Ray container and job (e.g. the
upstream API keys that models name in api_key_env). */}}
{{- define "llmops.envFrom" -}}
{{- with .Values.upstreamKeys.existingSecret -}}
envFrom:
  - secretRef:
      name: {{ . }}
{{- end }}
{{- end }}

{{/* Pod annotations: a new Ray cluster (KubeRay's zero-downtime upgrade) when the safety policy
changes. Serve config changes (models, gateway) are applied in place by KubeRay, without one. */}}
{{- define "llmops.podAnnotations" -}}
llmops/safety-policy-checksum: {{ toYaml .Values.safety | sha256sum | trunc 16 | quote }}
{{- end }}

{{/* Pod spec fields every Ray pod shares: priority class and pod securityContext. */}}
{{- define "llmops.podSpecCommon" -}}
{{- with .Values.priorityClassName }}
priorityClassName: {{ . }}
{{- end }}
{{- with .Values.podSecurityContext }}
securityContext:
  {{- toYaml . | nindent 2 }}
{{- end }}
{{- end }}

{{/* Seconds a stopping Ray pod gets: the longest request (gateway.requestTimeoutSeconds) plus 30. */}}
{{- define "llmops.gracePeriod" -}}
{{- add (int .Values.gateway.requestTimeoutSeconds) 30 }}
{{- end }}

{{/* Pod template of one Ray worker group. Args: dict root, group (values), name, gpu (bool). */}}
{{- define "llmops.workerGroup" -}}
{{- $root := .root }}
{{- $group := .group -}}
- groupName: {{ .name }}
  replicas: {{ $group.replicas }}
  minReplicas: {{ $group.minReplicas }}
  maxReplicas: {{ $group.maxReplicas }}
  rayStartParams:
    # the port the PodMonitor scrapes, on workers as on the head
    metrics-export-port: {{ $root.Values.monitoring.rayMetricsPort | quote }}
  template:
    metadata:
      labels:
        {{- include "llmops.selectorLabels" $root | nindent 8 }}
        llmops/worker-group: {{ .name }}
        {{- with $root.Values.podLabels }}
        {{- toYaml . | nindent 8 }}
        {{- end }}
      annotations:
        {{- include "llmops.podAnnotations" $root | nindent 8 }}
        {{- with $root.Values.podAnnotations }}
        {{- toYaml . | nindent 8 }}
        {{- end }}
    spec:
      serviceAccountName: {{ include "llmops.serviceAccountName" $root }}
      terminationGracePeriodSeconds: {{ include "llmops.gracePeriod" $root }}
      {{- include "llmops.podSpecCommon" $root | nindent 6 }}
      {{- with $root.Values.imagePullSecrets }}
      imagePullSecrets:
        {{- range . }}
        - name: {{ . }}
        {{- end }}
      {{- end }}
      containers:
        - name: ray-worker
          image: {{ if .gpu }}{{ include "llmops.gpuImage" $root }}{{ else }}{{ include "llmops.image" $root }}{{ end }}
          imagePullPolicy: {{ $root.Values.image.pullPolicy }}
          {{- with $root.Values.containerSecurityContext }}
          securityContext:
            {{- toYaml . | nindent 12 }}
          {{- end }}
          env:
            {{- include "llmops.env" $root | nindent 12 }}
          {{- with include "llmops.envFrom" $root }}{{ . | nindent 10 }}{{ end }}
          ports:
            - {name: metrics, containerPort: {{ $root.Values.monitoring.rayMetricsPort }}}
            - {name: serve, containerPort: 8000}
          resources:
            requests:
              {{- toYaml $group.resources.requests | nindent 14 }}
              {{- if .gpu }}
              nvidia.com/gpu: {{ $group.gpusPerWorker }}
              {{- end }}
            limits:
              {{- toYaml $group.resources.limits | nindent 14 }}
              {{- if .gpu }}
              nvidia.com/gpu: {{ $group.gpusPerWorker }}
              {{- end }}
          lifecycle:
            preStop:
              exec:
                command: ["/bin/sh", "-c", "ray stop"]
          volumeMounts:
            {{- include "llmops.volumeMounts" $root | nindent 12 }}
      volumes:
        {{- include "llmops.volumes" $root | nindent 8 }}
      {{- with $group.nodeSelector }}
      nodeSelector:
        {{- toYaml . | nindent 8 }}
      {{- end }}
      {{- with $group.tolerations }}
      tolerations:
        {{- toYaml . | nindent 8 }}
      {{- end }}
      {{- with $group.affinity }}
      affinity:
        {{- toYaml . | nindent 8 }}
      {{- end }}
      {{- with $group.topologySpreadConstraints }}
      topologySpreadConstraints:
        {{- toYaml . | nindent 8 }}
      {{- end }}
{{- end }}

{{/* Job pod spec shared by the report CronJobs and the pipeline job. Args: root, command, resources, gpu. */}}
{{- define "llmops.jobPodSpec" -}}
{{- $root := .root -}}
restartPolicy: Never
serviceAccountName: {{ include "llmops.serviceAccountName" $root }}
{{- with $root.Values.podSecurityContext }}
securityContext:
  {{- toYaml . | nindent 2 }}
{{- end }}
{{- with $root.Values.imagePullSecrets }}
imagePullSecrets:
  {{- range . }}
  - name: {{ . }}
  {{- end }}
{{- end }}
containers:
  - name: job
    image: {{ if .gpu }}{{ include "llmops.gpuImage" $root }}{{ else }}{{ include "llmops.image" $root }}{{ end }}
    imagePullPolicy: {{ $root.Values.image.pullPolicy }}
    {{- with $root.Values.containerSecurityContext }}
    securityContext:
      {{- toYaml . | nindent 6 }}
    {{- end }}
    command:
      {{- toYaml .command | nindent 6 }}
    env:
      {{- include "llmops.env" $root | nindent 6 }}
    {{- with include "llmops.envFrom" $root }}{{ . | nindent 4 }}{{ end }}
    resources:
      requests:
        {{- toYaml .resources.requests | nindent 8 }}
        {{- if .gpu }}
        nvidia.com/gpu: 1
        {{- end }}
      limits:
        {{- toYaml .resources.limits | nindent 8 }}
        {{- if .gpu }}
        nvidia.com/gpu: 1
        {{- end }}
    volumeMounts:
      {{- include "llmops.volumeMounts" $root | nindent 6 }}
volumes:
  {{- include "llmops.volumes" $root | nindent 2 }}
{{- end }}
