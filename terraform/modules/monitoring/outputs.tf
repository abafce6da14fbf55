output "topic_arn" {
  description = "SNS topic every alarm and the Glue failure rule publish to; subscribe more endpoints to it."
  value       = aws_sns_topic.alarms.arn
}

output "topic_policy" {
  description = "Policy of the alarm topic (JSON)."
  value       = aws_sns_topic_policy.alarms.policy
}

output "email_subscription" {
  description = "The e-mail endpoint subscribed to the topic, or null."
  value       = one(aws_sns_topic_subscription.email[*].endpoint)
}

output "alarms" {
  description = "Every CloudWatch alarm by key: name, metric (or metric math), threshold and actions."
  value = merge(
    { for k, a in aws_cloudwatch_metric_alarm.metric : k => {
      name                = a.alarm_name
      description         = a.alarm_description
      namespace           = a.namespace
      metric_name         = a.metric_name
      dimensions          = a.dimensions
      statistic           = a.statistic
      comparison_operator = a.comparison_operator
      threshold           = a.threshold
      evaluation_periods  = a.evaluation_periods
      period              = a.period
      treat_missing_data  = a.treat_missing_data
      alarm_actions       = a.alarm_actions
      ok_actions          = a.ok_actions
      expression          = null
      metrics             = []
    } },
    { records-failed = {
      name                = aws_cloudwatch_metric_alarm.records_failed.alarm_name
      description         = aws_cloudwatch_metric_alarm.records_failed.alarm_description
      namespace           = null
      metric_name         = null
      dimensions          = null
      statistic           = null
      comparison_operator = aws_cloudwatch_metric_alarm.records_failed.comparison_operator
      threshold           = aws_cloudwatch_metric_alarm.records_failed.threshold
      evaluation_periods  = aws_cloudwatch_metric_alarm.records_failed.evaluation_periods
      period              = null
      treat_missing_data  = aws_cloudwatch_metric_alarm.records_failed.treat_missing_data
      alarm_actions       = aws_cloudwatch_metric_alarm.records_failed.alarm_actions
      ok_actions          = aws_cloudwatch_metric_alarm.records_failed.ok_actions
      expression          = one([for q in aws_cloudwatch_metric_alarm.records_failed.metric_query : q.expression if q.return_data == true])
      metrics = [for q in aws_cloudwatch_metric_alarm.records_failed.metric_query : {
        id          = q.id
        namespace   = q.metric[0].namespace
        metric_name = q.metric[0].metric_name
        dimensions  = q.metric[0].dimensions
      } if length(q.metric) > 0]
    } },
  )
}

output "glue_failure_rule" {
  description = "EventBridge rule reporting failed Glue job runs: its event pattern (JSON) and target."
  value = {
    name          = aws_cloudwatch_event_rule.glue_job_failed.name
    event_pattern = aws_cloudwatch_event_rule.glue_job_failed.event_pattern
    target_arn    = aws_cloudwatch_event_target.glue_job_failed.arn
  }
}

output "dashboard_name" {
  description = "Name of the CloudWatch dashboard."
  value       = aws_cloudwatch_dashboard.this.dashboard_name
}

output "dashboard_body" {
  description = "The dashboard's widgets (JSON)."
  value       = aws_cloudwatch_dashboard.this.dashboard_body
}
