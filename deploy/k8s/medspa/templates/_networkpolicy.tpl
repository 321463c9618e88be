{{/* Egress rules shared by the services' and the migration Job's NetworkPolicies. */}}

{{- define "medspa.egressDatabase" -}}
{{- if eq .Values.database.mode "cnpg" }}
- to:
    - podSelector:
        matchLabels:
          cnpg.io/cluster: {{ include "medspa.cnpgName" . }}
  ports:
    - {port: 5432, protocol: TCP}
{{- else }}
- to:
    {{- required "database.external.peers is required with database.mode=external and networkPolicy.enabled" .Values.database.external.peers | toYaml | nindent 4 }}
  ports:
    - port: {{ .Values.database.external.port }}
      protocol: TCP
{{- end }}
{{- end }}

{{/* What every service reaches: DNS, NATS, PostgreSQL and the trace collector. */}}
{{- define "medspa.egressCommon" -}}
- to:
    {{- toYaml .Values.networkPolicy.dnsPeers | nindent 4 }}
  ports:
    - {port: 53, protocol: UDP}
    - {port: 53, protocol: TCP}
{{- if .Values.nats.enabled }}
- to:
    - podSelector:
        matchLabels:
          app.kubernetes.io/name: {{ default "nats" .Values.nats.nameOverride }}
          app.kubernetes.io/instance: {{ .Release.Name }}
          app.kubernetes.io/component: nats
  ports:
    - port: {{ .Values.bus.port }}
      protocol: TCP
{{- else }}
- to:
    {{- required "bus.externalPeers is required when nats.enabled is false and networkPolicy.enabled" .Values.bus.externalPeers | toYaml | nindent 4 }}
  ports:
    - port: {{ .Values.bus.port }}
      protocol: TCP
{{- end }}
{{ include "medspa.egressDatabase" . }}
{{- if .Values.otel.endpoint }}
- to:
    {{- required "otel.peers is required with otel.endpoint and networkPolicy.enabled: the collector is unreachable otherwise" .Values.otel.peers | toYaml | nindent 4 }}
  ports:
    - port: {{ .Values.otel.port }}
      protocol: TCP
{{- end }}
{{- end }}
