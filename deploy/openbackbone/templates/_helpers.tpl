{{/* Names and labels. */}}
{{- define "openbackbone.name" -}}
{{- default .Chart.Name .Values.nameOverride | trunc 63 | trimSuffix "-" }}
{{- end }}

{{- define "openbackbone.fullname" -}}
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

{{- define "openbackbone.labels" -}}
helm.sh/chart: {{ printf "%s-%s" .Chart.Name .Chart.Version | replace "+" "_" | trunc 63 | trimSuffix "-" }}
app.kubernetes.io/name: {{ include "openbackbone.name" . }}
app.kubernetes.io/instance: {{ .Release.Name }}
app.kubernetes.io/version: {{ .Chart.AppVersion | quote }}
app.kubernetes.io/managed-by: {{ .Release.Service }}
{{- end }}

{{/* Selector labels of one component: call with (dict "root" $ "component" "consumer"). */}}
{{- define "openbackbone.selectorLabels" -}}
app.kubernetes.io/name: {{ include "openbackbone.name" .root }}
app.kubernetes.io/instance: {{ .root.Release.Name }}
app.kubernetes.io/component: {{ .component }}
{{- end }}

{{- define "openbackbone.serviceAccountName" -}}
{{- if .Values.serviceAccount.create }}
{{- default (include "openbackbone.fullname" .) .Values.serviceAccount.name }}
{{- else }}
{{- default "default" .Values.serviceAccount.name }}
{{- end }}
{{- end }}

{{- define "openbackbone.image" -}}
{{ .Values.image.repository }}:{{ .Values.image.tag | default .Chart.AppVersion }}
{{- end }}

{{/*
The configuration file. The landscape is repeated in it because the server
refuses a file whose landscape differs from the chosen one.
*/}}
{{- define "openbackbone.configFile" -}}
{{- $cfg := deepCopy (.Values.configuration | default dict) }}
{{- $_ := set $cfg "landscape" .Values.landscape }}
{{- toYaml $cfg }}
{{- end }}

{{/*
Environment of every process: where the file is, and the keys the chart
decides itself. Environment variables override the file.
*/}}
{{- define "openbackbone.env" -}}
- name: OPENBACKBONE_LANDSCAPE
  value: {{ .Values.landscape | quote }}
- name: OPENBACKBONE_CONFIG
  value: /etc/openbackbone/config.yaml
- name: OPENBACKBONE_DATADIR
  value: /data
- name: OPENBACKBONE_LISTEN
  value: ":8080"
- name: OPENBACKBONE_MIGRATEONSTART
  value: "false"
- name: OPENBACKBONE_JOBS_EMBEDDED
  value: "false"
{{- with .Values.env }}
{{ toYaml . }}
{{- end }}
{{- end }}

{{- define "openbackbone.envFrom" -}}
{{- if .Values.secrets.envSecret }}
envFrom:
  - secretRef:
      name: {{ .Values.secrets.envSecret }}
{{- end }}
{{- end }}

{{/* Volumes of every pod: the configuration, the secret files and a writable /data. */}}
{{- define "openbackbone.volumes" -}}
- name: config
  configMap:
    name: {{ .configMap }}
- name: data
  emptyDir: {}
{{- if .root.Values.secrets.filesSecret }}
- name: secret-files
  secret:
    secretName: {{ .root.Values.secrets.filesSecret }}
{{- end }}
{{- end }}

{{- define "openbackbone.volumeMounts" -}}
- name: config
  mountPath: /etc/openbackbone
  readOnly: true
- name: data
  mountPath: /data
{{- if .Values.secrets.filesSecret }}
- name: secret-files
  mountPath: {{ .Values.secrets.filesMountPath }}
  readOnly: true
{{- end }}
{{- end }}

{{- define "openbackbone.podSpecCommon" -}}
{{- with .Values.imagePullSecrets }}
imagePullSecrets:
  {{- toYaml . | nindent 2 }}
{{- end }}
securityContext:
  {{- toYaml .Values.podSecurityContext | nindent 2 }}
{{- end }}

{{/* Prometheus annotations of a serving pod. */}}
{{- define "openbackbone.metricsAnnotations" -}}
{{- if .Values.metrics.enabled }}
prometheus.io/scrape: "true"
prometheus.io/port: {{ .Values.metrics.port | quote }}
prometheus.io/path: /metrics
{{- end }}
{{- end }}

{{- define "openbackbone.configChecksum" -}}
checksum/config: {{ include "openbackbone.configFile" . | sha256sum }}
{{- end }}
