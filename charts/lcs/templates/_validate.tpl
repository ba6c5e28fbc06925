{{/* Contradictory values fail the render with what to change. */}}
{{- define "lcs.validate" -}}
{{- $v := .Values -}}
{{- if not $v.bundled.enabled -}}
{{- if and (or $v.agent.enabled $v.transfer.enabled $v.operator.enabled $v.console.enabled $v.metrics.enabled) (not $v.etcd.endpoints) -}}
{{- fail "etcd.endpoints is empty: with bundled.enabled=false, set etcd.endpoints to your etcd cluster's client URLs (or bundled.enabled=true for a trial)" -}}
{{- end -}}
{{- if and (or $v.agent.enabled $v.transfer.enabled) (not $v.kafka.brokers) -}}
{{- fail "kafka.brokers is empty: with bundled.enabled=false, set kafka.brokers to your Kafka bootstrap brokers (host:port)" -}}
{{- end -}}
{{- if and $v.transfer.enabled (not $v.elasticsearch.url) -}}
{{- fail "elasticsearch.url is empty: with bundled.enabled=false, set elasticsearch.url to your Elasticsearch URLs" -}}
{{- end -}}
{{- if and $v.metrics.enabled (not $v.influxdb.url) -}}
{{- fail "influxdb.url is empty: with bundled.enabled=false and metrics.enabled, set influxdb.url (or metrics.enabled=false)" -}}
{{- end -}}
{{- end -}}
{{- if and $v.etcd.username (not $v.etcd.passwordSecret.name) -}}
{{- fail "etcd.username is set but etcd.passwordSecret.name is empty: name the Secret holding the etcd password" -}}
{{- end -}}
{{- if and $v.kafka.sasl.mechanism (not $v.kafka.sasl.passwordSecret.name) -}}
{{- fail "kafka.sasl.mechanism is set but kafka.sasl.passwordSecret.name is empty: name the Secret holding the SASL password" -}}
{{- end -}}
{{- if and $v.elasticsearch.username $v.elasticsearch.apiKeySecret.name -}}
{{- fail "elasticsearch.username and elasticsearch.apiKeySecret.name are both set: choose an API key or basic auth" -}}
{{- end -}}
{{- if and $v.elasticsearch.username (not $v.elasticsearch.passwordSecret.name) -}}
{{- fail "elasticsearch.username is set but elasticsearch.passwordSecret.name is empty: name the Secret holding the password" -}}
{{- end -}}
{{- if and $v.console.ingress.enabled (not $v.console.ingress.host) -}}
{{- fail "console.ingress.enabled needs console.ingress.host (the host name the console is served on)" -}}
{{- end -}}
{{- if and (gt (int $v.console.replicas) 1) (not $v.console.sessionKeySecret) -}}
{{- fail "console.replicas > 1 needs console.sessionKeySecret: every replica must sign sessions with the same key" -}}
{{- end -}}
{{- if and $v.console.ingress.enabled (not $v.console.usersSecret) -}}
{{- fail "console.ingress.enabled exposes the console beyond the cluster: set console.usersSecret (users and roles) so it is not anonymous" -}}
{{- end -}}
{{- if and $v.transfer.autoscaling.enabled (gt (int $v.transfer.autoscaling.minReplicas) (int $v.transfer.autoscaling.maxReplicas)) -}}
{{- fail "transfer.autoscaling.minReplicas is greater than transfer.autoscaling.maxReplicas" -}}
{{- end -}}
{{- if and $v.transfer.podDisruptionBudget.enabled (not $v.transfer.autoscaling.enabled) (ge (int $v.transfer.podDisruptionBudget.minAvailable) (int $v.transfer.replicas)) -}}
{{- fail "transfer.podDisruptionBudget.minAvailable must be below transfer.replicas, or no transfer pod could ever be evicted (a node drain would hang)" -}}
{{- end -}}
{{- if and (eq $v.agent.checkpoints.type "hostPath") (not $v.agent.checkpoints.hostPath) -}}
{{- fail "agent.checkpoints.type is hostPath but agent.checkpoints.hostPath is empty" -}}
{{- end -}}
{{- range $v.agent.logPaths }}
{{- if and (eq $v.agent.checkpoints.type "hostPath") (hasPrefix (printf "%s/" (clean .)) (printf "%s/" (clean $v.agent.checkpoints.hostPath))) }}
{{- fail (printf "agent.logPaths %s contains the checkpoint directory %s: the agent's log mounts are read-only, its checkpoints must be outside them" . $v.agent.checkpoints.hostPath) -}}
{{- end }}
{{- end }}
{{- end -}}
