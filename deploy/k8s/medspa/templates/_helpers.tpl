{{/*
The six services, in the order of the architecture page. Every per-service template ranges
over this list and reads the service's block from the values by name.
*/}}
{{- define "medspa.services" -}}
telephony agent scheduler payments outreach console
{{- end }}

{{/*
Who may call whom inside the cluster. Everything else between the services travels over
NATS. `calls`: the scheduler's gRPC CalendarService (the agent inside a live conversation;
payments to hold a late payment's slot again; outreach for contacts, consent and offers; the
console for its calendar and waitlist). `public`: path prefixes the ingress routes to
the service (Twilio's webhooks; Stripe's webhook and the patient's payment pages; the console's
pages and API), `publicExact`: exact paths. Never a prefix of `/`: the console serves the kit's
/metrics, /healthz and /readyz on the same port, and those stay inside the cluster.
*/}}
{{- define "medspa.architecture" -}}
telephony:
  public: [/twilio]
agent:
  calls: [scheduler]
scheduler: {}
payments:
  public: [/stripe, /pay]
  calls: [scheduler]
outreach:
  calls: [scheduler]
console:
  calls: [scheduler]
  # One prefix per first path segment the console serves (console.web.app.ROUTERS, /static
  # and /v1/openapi.json; deploy/k8s/tests checks the two agree), and its home page.
  public: [/v1, /static, /login, /logout, /auth, /inbox, /handoffs, /drafts, /callbacks, /payment-issues, /alerts, /events, /calendar, /conversations, /review, /report, /settings, /accounts, /tokens, /audit]
  publicExact: [/]
{{- end }}

{{/* The services whose `calls` name this one: call with (dict "root" $ "component" "scheduler"). */}}
{{- define "medspa.callers" -}}
{{- $arch := include "medspa.architecture" .root | fromYaml }}
{{- $callers := list }}
{{- range $name, $edges := $arch }}
{{- if and (has $.component ($edges.calls | default list)) (index $.root.Values $name).enabled }}
{{- $callers = append $callers $name }}
{{- end }}
{{- end }}
{{- toJson $callers }}
{{- end }}

{{- define "medspa.name" -}}
{{- .Release.Name | trunc 40 | trimSuffix "-" -}}
{{- end }}

{{- define "medspa.labels" -}}
helm.sh/chart: {{ printf "%s-%s" .Chart.Name .Chart.Version | replace "+" "_" }}
app.kubernetes.io/name: medspa
app.kubernetes.io/instance: {{ .Release.Name }}
app.kubernetes.io/version: {{ .Chart.AppVersion | quote }}
app.kubernetes.io/managed-by: {{ .Release.Service }}
app.kubernetes.io/part-of: medspa
{{- end }}

{{/* Selector labels of one component: call with (dict "root" $ "component" "agent"). */}}
{{- define "medspa.selectorLabels" -}}
app.kubernetes.io/name: medspa
app.kubernetes.io/instance: {{ .root.Release.Name }}
app.kubernetes.io/component: {{ .component }}
{{- end }}

{{- define "medspa.componentLabels" -}}
{{ include "medspa.labels" .root }}
app.kubernetes.io/component: {{ .component }}
{{- end }}

{{/* The NATS chart's full name, computed the way that chart computes it. */}}
{{- define "medspa.natsFullname" -}}
{{- $nats := .Values.nats | default dict -}}
{{- if $nats.fullnameOverride -}}
{{- $nats.fullnameOverride | trunc 63 | trimSuffix "-" -}}
{{- else -}}
{{- $name := default "nats" $nats.nameOverride -}}
{{- if contains $name .Release.Name -}}
{{- .Release.Name | trunc 63 | trimSuffix "-" -}}
{{- else -}}
{{- printf "%s-%s" .Release.Name $name | trunc 63 | trimSuffix "-" -}}
{{- end -}}
{{- end -}}
{{- end }}

{{- define "medspa.natsUrl" -}}
{{- if .Values.bus.url -}}
{{- .Values.bus.url -}}
{{- else -}}
{{- printf "nats://%s:%d" (include "medspa.natsFullname" .) (int .Values.bus.port) -}}
{{- end -}}
{{- end }}

{{- define "medspa.cnpgName" -}}
{{- printf "%s-pg" (include "medspa.name" .) -}}
{{- end }}

{{- define "medspa.image" -}}
{{- $tag := .root.Values.image.tag | default .root.Chart.AppVersion -}}
{{- printf "%s/%s:%s" .root.Values.image.registry .name $tag -}}
{{- end }}

{{/* DATABASE_URL, always from a Secret: CloudNativePG's app secret or the external one. */}}
{{- define "medspa.databaseUrlEnv" -}}
- name: DATABASE_URL
  valueFrom:
    secretKeyRef:
{{- if eq .Values.database.mode "cnpg" }}
      name: {{ include "medspa.cnpgName" . }}-app
      key: uri
{{- else if eq .Values.database.mode "external" }}
      name: {{ required "database.external.urlSecret.name is required with database.mode=external" .Values.database.external.urlSecret.name }}
      key: {{ required "database.external.urlSecret.key is required" .Values.database.external.urlSecret.key }}
{{- else }}
{{- fail "database.mode must be cnpg or external" }}
{{- end }}
{{- end }}

{{/* Settings every process shares, the migration Job included. */}}
{{- define "medspa.commonEnv" -}}
{{ include "medspa.databaseUrlEnv" . }}
{{- if .Values.bus.urlSecret.name }}
- name: NATS_URL
  valueFrom:
    secretKeyRef:
      name: {{ .Values.bus.urlSecret.name }}
      key: {{ required "bus.urlSecret.key is required with bus.urlSecret.name" .Values.bus.urlSecret.key }}
{{- else }}
- name: NATS_URL
  value: {{ include "medspa.natsUrl" . | quote }}
{{- end }}
- name: MEDSPA_BUS_NAMESPACE
  value: {{ .Values.bus.namespace | quote }}
- name: MEDSPA_STREAM_REPLICAS
  value: {{ .Values.bus.streamReplicas | quote }}
- name: LOG_LEVEL
  value: {{ .Values.common.logLevel | quote }}
- name: STARTUP_TIMEOUT_S
  value: {{ .Values.common.startupTimeoutSeconds | quote }}
- name: MIGRATE_ON_START
  value: {{ .Values.migrations.onStart | quote }}
- name: FIELD_KEYS
  valueFrom:
    secretKeyRef:
      name: {{ required "fieldKeys.secretName is required" .Values.fieldKeys.secretName }}
      key: {{ .Values.fieldKeys.keysKey }}
- name: FIELD_KEY_ACTIVE
  valueFrom:
    secretKeyRef:
      name: {{ .Values.fieldKeys.secretName }}
      key: {{ .Values.fieldKeys.activeKey }}
- name: FIELD_INDEX_KEY
  valueFrom:
    secretKeyRef:
      name: {{ .Values.fieldKeys.secretName }}
      key: {{ .Values.fieldKeys.indexKey }}
{{- if .Values.spaConfig.configMap }}
- name: SPA_CONFIG
  value: /etc/medspa/spas
{{- end }}
- name: POD_NAME
  valueFrom:
    fieldRef:
      fieldPath: metadata.name
- name: POD_NAMESPACE
  valueFrom:
    fieldRef:
      fieldPath: metadata.namespace
{{- with .Values.otel.endpoint }}
- name: OTEL_EXPORTER_OTLP_ENDPOINT
  value: {{ . | quote }}
{{- end }}
{{- $attrs := list (printf "service.namespace=%s" .Values.otel.serviceNamespace) (printf "deployment.environment.name=%s" .Values.environment) "k8s.namespace.name=$(POD_NAMESPACE)" "k8s.pod.name=$(POD_NAME)" }}
{{- range $k, $v := .Values.otel.resourceAttributes }}
{{- $attrs = append $attrs (printf "%s=%s" $k $v) }}
{{- end }}
- name: OTEL_RESOURCE_ATTRIBUTES
  value: {{ join "," $attrs | quote }}
{{- range $k, $v := .Values.common.env }}
- name: {{ $k }}
  value: {{ $v | quote }}
{{- end }}
{{- end }}

{{/* Pod-level security every pod of this chart runs with. */}}
{{- define "medspa.podSecurityContext" -}}
runAsNonRoot: true
runAsUser: 10001
runAsGroup: 10001
fsGroup: 10001
seccompProfile:
  type: RuntimeDefault
{{- end }}

{{- define "medspa.containerSecurityContext" -}}
runAsNonRoot: true
runAsUser: 10001
runAsGroup: 10001
allowPrivilegeEscalation: false
readOnlyRootFilesystem: true
privileged: false
capabilities:
  drop: [ALL]
{{- end }}
