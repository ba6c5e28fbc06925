{{- define "lcs.fullname" -}}
{{- if .Values.fullnameOverride -}}{{ .Values.fullnameOverride | trunc 40 | trimSuffix "-" }}
{{- else -}}{{ printf "%s-%s" .Release.Name (default .Chart.Name .Values.nameOverride) | trunc 40 | trimSuffix "-" }}{{- end -}}
{{- end -}}

{{- define "lcs.labels" -}}
app.kubernetes.io/name: {{ default .Chart.Name .Values.nameOverride }}
app.kubernetes.io/instance: {{ .Release.Name }}
app.kubernetes.io/version: {{ .Chart.AppVersion | quote }}
app.kubernetes.io/managed-by: {{ .Release.Service }}
helm.sh/chart: {{ printf "%s-%s" .Chart.Name .Chart.Version }}
{{- with .Values.commonLabels }}
{{ toYaml . }}
{{- end }}
{{- end -}}

{{/* Labels of one component: (dict "root" $ "component" "agent") */}}
{{- define "lcs.componentLabels" -}}
{{ include "lcs.labels" .root }}
app.kubernetes.io/component: {{ .component }}
{{- end -}}

{{- define "lcs.selector" -}}
app.kubernetes.io/name: {{ default .root.Chart.Name .root.Values.nameOverride }}
app.kubernetes.io/instance: {{ .root.Release.Name }}
app.kubernetes.io/component: {{ .component }}
{{- end -}}

{{- define "lcs.image" -}}
{{ .Values.image.repository }}:{{ default .Chart.AppVersion .Values.image.tag }}
{{- end -}}

{{/* The hardened container security context; the agent passes root=true (it reads root-owned host logs). */}}
{{- define "lcs.containerSecurity" -}}
allowPrivilegeEscalation: false
readOnlyRootFilesystem: true
privileged: false
capabilities:
  drop: [ALL]
seccompProfile:
  type: RuntimeDefault
{{- if .root }}
runAsUser: 0
runAsGroup: 0
runAsNonRoot: false
{{- else }}
runAsUser: {{ .values.runAsUser }}
runAsGroup: {{ .values.runAsGroup }}
runAsNonRoot: true
{{- end }}
{{- end -}}

{{- define "lcs.etcdEndpoints" -}}
{{- if .Values.bundled.enabled -}}http://{{ include "lcs.fullname" . }}-etcd:2379{{- else -}}{{ join "," .Values.etcd.endpoints }}{{- end -}}
{{- end -}}
{{- define "lcs.kafkaBrokers" -}}
{{- if .Values.bundled.enabled -}}{{ include "lcs.fullname" . }}-kafka:9092{{- else -}}{{ join "," .Values.kafka.brokers }}{{- end -}}
{{- end -}}
{{- define "lcs.elasticsearchUrl" -}}
{{- if .Values.bundled.enabled -}}http://{{ include "lcs.fullname" . }}-elasticsearch:9200{{- else -}}{{ join "," .Values.elasticsearch.url }}{{- end -}}
{{- end -}}
{{- define "lcs.influxdbUrl" -}}
{{- if .Values.bundled.enabled -}}http://{{ include "lcs.fullname" . }}-influxdb:8086{{- else -}}{{ .Values.influxdb.url }}{{- end -}}
{{- end -}}
{{- define "lcs.kibanaUrl" -}}
{{- if .Values.bundled.enabled -}}http://{{ include "lcs.fullname" . }}-kibana:5601{{- else -}}{{ .Values.kibana.url }}{{- end -}}
{{- end -}}

{{/*
The environment every component gets: the engines, its node name, where its settings file is,
and the secret files (mounted by lcs.secretVolumes). (dict "root" $ "uses" (list "etcd" "kafka" …))
*/}}
{{- define "lcs.env" -}}
{{- $v := .root.Values -}}
- name: LCS_NODE_NAME
  valueFrom: { fieldRef: { fieldPath: spec.nodeName } }
- name: LCS_HTTP_LISTEN
  value: "0.0.0.0:9400"
- name: LCS_CONFIG
  value: /etc/lcs/config.yaml
{{- if has "etcd" .uses }}
- name: LCS_ETCD_ENDPOINTS
  value: {{ include "lcs.etcdEndpoints" .root | quote }}
{{- if $v.etcd.tlsSecret }}
- { name: LCS_ETCD_CA_FILE, value: /etc/lcs/secrets/etcd-tls/ca.crt }
- { name: LCS_ETCD_CERT_FILE, value: /etc/lcs/secrets/etcd-tls/tls.crt }
- { name: LCS_ETCD_KEY_FILE, value: /etc/lcs/secrets/etcd-tls/tls.key }
{{- end }}
{{- if $v.etcd.username }}
- { name: LCS_ETCD_USERNAME, value: {{ $v.etcd.username | quote }} }
- { name: LCS_ETCD_PASSWORD_FILE, value: /etc/lcs/secrets/etcd-password/password }
{{- end }}
{{- end }}
{{- if has "kafka" .uses }}
- name: LCS_KAFKA_BROKERS
  value: {{ include "lcs.kafkaBrokers" .root | quote }}
{{- if $v.kafka.tls }}
- { name: LCS_KAFKA_TLS, value: "true" }
{{- end }}
{{- if $v.kafka.caSecret }}
- { name: LCS_KAFKA_CA_FILE, value: /etc/lcs/secrets/kafka-ca/ca.crt }
{{- end }}
{{- if $v.kafka.sasl.mechanism }}
- { name: LCS_KAFKA_SASL_MECHANISM, value: {{ $v.kafka.sasl.mechanism | quote }} }
- { name: LCS_KAFKA_SASL_USERNAME, value: {{ $v.kafka.sasl.username | quote }} }
- { name: LCS_KAFKA_SASL_PASSWORD_FILE, value: /etc/lcs/secrets/kafka-password/password }
{{- end }}
{{- end }}
{{- if has "elasticsearch" .uses }}
- name: LCS_ELASTICSEARCH_URL
  value: {{ include "lcs.elasticsearchUrl" .root | quote }}
{{- if $v.elasticsearch.apiKeySecret.name }}
- { name: LCS_ELASTICSEARCH_API_KEY_FILE, value: /etc/lcs/secrets/elasticsearch-api-key/api-key }
{{- end }}
{{- if $v.elasticsearch.username }}
- { name: LCS_ELASTICSEARCH_USERNAME, value: {{ $v.elasticsearch.username | quote }} }
- { name: LCS_ELASTICSEARCH_PASSWORD_FILE, value: /etc/lcs/secrets/elasticsearch-password/password }
{{- end }}
{{- if $v.elasticsearch.caSecret }}
- { name: LCS_ELASTICSEARCH_CA_FILE, value: /etc/lcs/secrets/elasticsearch-ca/ca.crt }
{{- end }}
{{- end }}
{{- if has "influxdb" .uses }}
- name: LCS_INFLUXDB_URL
  value: {{ include "lcs.influxdbUrl" .root | quote }}
- name: LCS_INFLUXDB_DATABASE
  value: {{ $v.influxdb.database | quote }}
{{- if $v.influxdb.username }}
- { name: LCS_INFLUXDB_USERNAME, value: {{ $v.influxdb.username | quote }} }
- { name: LCS_INFLUXDB_PASSWORD_FILE, value: /etc/lcs/secrets/influxdb-password/password }
{{- end }}
{{- end }}
{{- end -}}

{{/* Secret files: one read-only volume per Secret the component uses. */}}
{{- define "lcs.secretList" -}}
{{- $v := .root.Values -}}
{{- $out := list -}}
{{- if has "etcd" .uses -}}
{{- if $v.etcd.tlsSecret }}{{ $out = append $out (dict "vol" "etcd-tls" "secret" $v.etcd.tlsSecret "items" list) }}{{ end -}}
{{- if $v.etcd.username }}{{ $out = append $out (dict "vol" "etcd-password" "secret" $v.etcd.passwordSecret.name "items" (list (dict "key" $v.etcd.passwordSecret.key "path" "password"))) }}{{ end -}}
{{- end -}}
{{- if has "kafka" .uses -}}
{{- if $v.kafka.caSecret }}{{ $out = append $out (dict "vol" "kafka-ca" "secret" $v.kafka.caSecret "items" list) }}{{ end -}}
{{- if $v.kafka.sasl.mechanism }}{{ $out = append $out (dict "vol" "kafka-password" "secret" $v.kafka.sasl.passwordSecret.name "items" (list (dict "key" $v.kafka.sasl.passwordSecret.key "path" "password"))) }}{{ end -}}
{{- end -}}
{{- if has "elasticsearch" .uses -}}
{{- if $v.elasticsearch.apiKeySecret.name }}{{ $out = append $out (dict "vol" "elasticsearch-api-key" "secret" $v.elasticsearch.apiKeySecret.name "items" (list (dict "key" $v.elasticsearch.apiKeySecret.key "path" "api-key"))) }}{{ end -}}
{{- if $v.elasticsearch.username }}{{ $out = append $out (dict "vol" "elasticsearch-password" "secret" $v.elasticsearch.passwordSecret.name "items" (list (dict "key" $v.elasticsearch.passwordSecret.key "path" "password"))) }}{{ end -}}
{{- if $v.elasticsearch.caSecret }}{{ $out = append $out (dict "vol" "elasticsearch-ca" "secret" $v.elasticsearch.caSecret "items" list) }}{{ end -}}
{{- end -}}
{{- if has "influxdb" .uses -}}
{{- if $v.influxdb.username }}{{ $out = append $out (dict "vol" "influxdb-password" "secret" $v.influxdb.passwordSecret.name "items" (list (dict "key" $v.influxdb.passwordSecret.key "path" "password"))) }}{{ end -}}
{{- end -}}
{{- toJson $out -}}
{{- end -}}

{{- define "lcs.secretVolumes" -}}
{{- range (include "lcs.secretList" . | fromJsonArray) }}
- name: {{ .vol }}
  secret:
    secretName: {{ .secret }}
    defaultMode: 0440
    {{- with .items }}
    items: {{ toJson . }}
    {{- end }}
{{- end }}
{{- end -}}

{{- define "lcs.secretMounts" -}}
{{- range (include "lcs.secretList" . | fromJsonArray) }}
- { name: {{ .vol }}, mountPath: /etc/lcs/secrets/{{ .vol }}, readOnly: true }
{{- end }}
{{- end -}}

{{- define "lcs.probes" -}}
ports:
  - { name: http, containerPort: 9400 }
livenessProbe:
  httpGet: { path: /healthz, port: http }
  periodSeconds: 10
  failureThreshold: 6
readinessProbe:
  httpGet: { path: /readyz, port: http }
  periodSeconds: 5
{{- end -}}

{{/* Pod-level settings shared by the components. */}}
{{- define "lcs.podSpec" -}}
{{- with .root.Values.imagePullSecrets }}
imagePullSecrets: {{ toJson . }}
{{- end }}
securityContext:
  {{- if .agent }}
  runAsNonRoot: false
  {{- else }}
  runAsNonRoot: true
  runAsUser: {{ .root.Values.runAsUser }}
  runAsGroup: {{ .root.Values.runAsGroup }}
  fsGroup: {{ .root.Values.runAsGroup }}
  {{- end }}
  seccompProfile: { type: RuntimeDefault }
{{- with .values.nodeSelector }}
nodeSelector: {{ toJson . }}
{{- end }}
{{- with .values.tolerations }}
tolerations: {{ toJson . }}
{{- end }}
{{- with .values.affinity }}
affinity: {{ toJson . }}
{{- end }}
{{- end -}}

{{/* The checksums that roll a component's pods when its settings file or its environment changes: (dict "root" $ "values" … "uses" …) */}}
{{- define "lcs.checksum" -}}
checksum/config: {{ include "lcs.configFile" . | sha256sum }}
checksum/env: {{ include "lcs.env" . | sha256sum }}
{{- end -}}

{{/* A component's settings file: the chart's defaults for it, overridden by .values.config. (dict "root" $ "values" … "defaults" (dict …)) */}}
{{- define "lcs.configFile" -}}
{{- $merged := mergeOverwrite (deepCopy (default dict .defaults)) (deepCopy .values.config) -}}
{{- if $merged }}{{ toYaml $merged }}{{ else }}{}{{ end }}
{{- end -}}
