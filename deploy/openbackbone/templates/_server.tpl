{{/*
A serving Deployment: the same binary for the Consumer API and the Admin
API; they differ in where the Admin API listens. Call with
(dict "root" $ "component" "consumer" "values" .Values.consumer "adminListen" "127.0.0.1:8081").
*/}}
{{- define "openbackbone.serverDeployment" -}}
{{- $root := .root }}
{{- $v := .values }}
{{- /* With tls.* the server speaks HTTPS only, probes included. */}}
{{- $scheme := ternary "HTTPS" "HTTP" (ne "" (dig "tls" "certFile" "" ($root.Values.configuration | default dict))) }}
apiVersion: apps/v1
kind: Deployment
metadata:
  name: {{ include "openbackbone.fullname" $root }}-{{ .component }}
  labels:
    {{- include "openbackbone.labels" $root | nindent 4 }}
    app.kubernetes.io/component: {{ .component }}
spec:
  {{- if not $v.autoscaling.enabled }}
  replicas: {{ $v.replicas }}
  {{- end }}
  selector:
    matchLabels:
      {{- include "openbackbone.selectorLabels" (dict "root" $root "component" .component) | nindent 6 }}
  template:
    metadata:
      annotations:
        {{- include "openbackbone.configChecksum" $root | nindent 8 }}
        {{- with include "openbackbone.metricsAnnotations" $root | trim }}
        {{- . | nindent 8 }}
        {{- end }}
        {{- with $v.podAnnotations }}
        {{- toYaml . | nindent 8 }}
        {{- end }}
      labels:
        {{- include "openbackbone.selectorLabels" (dict "root" $root "component" .component) | nindent 8 }}
    spec:
      {{- include "openbackbone.podSpecCommon" $root | trim | nindent 6 }}
      serviceAccountName: {{ include "openbackbone.serviceAccountName" $root }}
      terminationGracePeriodSeconds: {{ $v.terminationGracePeriodSeconds }}
      containers:
        - name: server
          image: {{ include "openbackbone.image" $root }}
          imagePullPolicy: {{ $root.Values.image.pullPolicy }}
          securityContext:
            {{- toYaml $root.Values.securityContext | nindent 12 }}
          env:
            {{- include "openbackbone.env" $root | nindent 12 }}
            - name: OPENBACKBONE_ADMIN_LISTEN
              value: {{ .adminListen | quote }}
            {{- if $root.Values.metrics.enabled }}
            - name: OPENBACKBONE_METRICS_LISTEN
              value: {{ printf ":%v" $root.Values.metrics.port | quote }}
            {{- end }}
          {{- with include "openbackbone.envFrom" $root | trim }}
          {{- . | nindent 10 }}
          {{- end }}
          ports:
            - name: http
              containerPort: 8080
            {{- if eq .component "admin" }}
            - name: admin
              containerPort: {{ $root.Values.admin.port }}
            {{- end }}
            {{- if $root.Values.metrics.enabled }}
            - name: metrics
              containerPort: {{ $root.Values.metrics.port }}
            {{- end }}
          livenessProbe:
            httpGet:
              path: /health
              port: http
              scheme: {{ $scheme }}
            periodSeconds: 10
            failureThreshold: 3
          readinessProbe:
            httpGet:
              path: /health/ready
              port: http
              scheme: {{ $scheme }}
            periodSeconds: 5
            failureThreshold: 2
          startupProbe:
            httpGet:
              path: /health
              port: http
              scheme: {{ $scheme }}
            periodSeconds: 2
            failureThreshold: 60
          resources:
            {{- toYaml $v.resources | nindent 12 }}
          volumeMounts:
            {{- include "openbackbone.volumeMounts" $root | nindent 12 }}
      volumes:
        {{- include "openbackbone.volumes" (dict "root" $root "configMap" (printf "%s-config" (include "openbackbone.fullname" $root))) | nindent 8 }}
      {{- with $v.nodeSelector }}
      nodeSelector:
        {{- toYaml . | nindent 8 }}
      {{- end }}
      {{- with $v.tolerations }}
      tolerations:
        {{- toYaml . | nindent 8 }}
      {{- end }}
      {{- with $v.affinity }}
      affinity:
        {{- toYaml . | nindent 8 }}
      {{- end }}
{{- end }}

{{/* An autoscaling/v2 HPA on CPU for a serving Deployment. */}}
{{- define "openbackbone.hpa" -}}
{{- $root := .root }}
{{- $a := .values.autoscaling }}
apiVersion: autoscaling/v2
kind: HorizontalPodAutoscaler
metadata:
  name: {{ include "openbackbone.fullname" $root }}-{{ .component }}
  labels:
    {{- include "openbackbone.labels" $root | nindent 4 }}
    app.kubernetes.io/component: {{ .component }}
spec:
  scaleTargetRef:
    apiVersion: apps/v1
    kind: Deployment
    name: {{ include "openbackbone.fullname" $root }}-{{ .component }}
  minReplicas: {{ $a.minReplicas }}
  maxReplicas: {{ $a.maxReplicas }}
  metrics:
    - type: Resource
      resource:
        name: cpu
        target:
          type: Utilization
          averageUtilization: {{ $a.targetCPUUtilizationPercentage }}
{{- end }}

{{/* A CronJob running one `reference-server job <name>`. */}}
{{- define "openbackbone.cronJob" -}}
{{- $root := .root }}
{{- $j := $root.Values.jobs }}
apiVersion: batch/v1
kind: CronJob
metadata:
  name: {{ include "openbackbone.fullname" $root | trunc 40 | trimSuffix "-" }}-{{ .job }}
  labels:
    {{- include "openbackbone.labels" $root | nindent 4 }}
    app.kubernetes.io/component: job-{{ .job }}
spec:
  schedule: {{ .schedule | quote }}
  {{- with $j.timeZone }}
  timeZone: {{ . | quote }}
  {{- end }}
  concurrencyPolicy: Forbid
  successfulJobsHistoryLimit: 1
  failedJobsHistoryLimit: 1
  jobTemplate:
    spec:
      backoffLimit: {{ $j.backoffLimit }}
      activeDeadlineSeconds: {{ $j.activeDeadlineSeconds }}
      template:
        metadata:
          annotations:
            {{- include "openbackbone.configChecksum" $root | nindent 12 }}
          labels:
            {{- include "openbackbone.selectorLabels" (dict "root" $root "component" (printf "job-%s" .job)) | nindent 12 }}
        spec:
          {{- include "openbackbone.podSpecCommon" $root | trim | nindent 10 }}
          serviceAccountName: {{ include "openbackbone.serviceAccountName" $root }}
          restartPolicy: Never
          containers:
            - name: job
              image: {{ include "openbackbone.image" $root }}
              imagePullPolicy: {{ $root.Values.image.pullPolicy }}
              args: ["job", {{ .job | quote }}]
              securityContext:
                {{- toYaml $root.Values.securityContext | nindent 16 }}
              env:
                {{- include "openbackbone.env" $root | nindent 16 }}
              {{- with include "openbackbone.envFrom" $root | trim }}
              {{- . | nindent 14 }}
              {{- end }}
              resources:
                {{- toYaml $j.resources | nindent 16 }}
              volumeMounts:
                {{- include "openbackbone.volumeMounts" $root | nindent 16 }}
          volumes:
            {{- include "openbackbone.volumes" (dict "root" $root "configMap" (printf "%s-config" (include "openbackbone.fullname" $root))) | nindent 12 }}
{{- end }}
