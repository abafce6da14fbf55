data "aws_region" "current" {}
data "aws_partition" "current" {}
data "aws_caller_identity" "current" {}

locals {
  region     = data.aws_region.current.id
  account_id = data.aws_caller_identity.current.account_id

  lambda   = { FunctionName = var.lambda_function_name }
  firehose = { DeliveryStreamName = var.firehose_name }
  kinesis  = { StreamName = var.kinesis_stream_name }

  # One alarm per way this pipeline breaks that a single metric shows. Each description says what
  # it means and what to do first; the README table repeats them.
  metric_alarms = {
    lambda-errors = {
      namespace   = "AWS/Lambda"
      metric_name = "Errors"
      dimensions  = local.lambda
      statistic   = "Sum"
      comparison  = "GreaterThanThreshold"
      threshold   = 0
      periods     = 1
      missing     = "notBreaching"
      description = "The transform Lambda failed whole invocations (crash, timeout, out of memory). Firehose retries, then sends the batch to errors/processing-failed/. Read the function's log group for the error."
    }
    lambda-throttles = {
      namespace   = "AWS/Lambda"
      metric_name = "Throttles"
      dimensions  = local.lambda
      statistic   = "Sum"
      comparison  = "GreaterThanThreshold"
      threshold   = 0
      periods     = 1
      missing     = "notBreaching"
      description = "Invocations of the transform Lambda were throttled: the account's concurrency is used up elsewhere. Raise the account limit or reserve concurrency for the function."
    }
    lambda-duration = {
      namespace   = "AWS/Lambda"
      metric_name = "Duration"
      dimensions  = local.lambda
      statistic   = "Maximum"
      comparison  = "GreaterThanThreshold"
      threshold   = var.lambda_timeout_seconds * 1000 * var.duration_alarm_percent / 100
      periods     = 1
      missing     = "notBreaching"
      description = "An invocation took more than ${var.duration_alarm_percent}% of the Lambda timeout; the next larger batch may time out. Check the processor buffer size and the function's memory (CPU)."
    }
    firehose-freshness = {
      namespace   = "AWS/Firehose"
      metric_name = "DeliveryToS3.DataFreshness"
      dimensions  = local.firehose
      statistic   = "Maximum"
      comparison  = "GreaterThanThreshold"
      threshold   = var.data_freshness_seconds
      periods     = 1
      missing     = "notBreaching"
      description = "Records wait in Firehose longer than ${var.data_freshness_seconds} s before reaching S3: delivery is failing or falling behind. Read the delivery log group /aws/kinesisfirehose/${var.firehose_name} (S3 or Glue permission errors show there)."
    }
    firehose-processing-failed = {
      namespace   = "AWS/Firehose"
      metric_name = "ExecuteProcessing.Success"
      dimensions  = local.firehose
      statistic   = "Minimum"
      comparison  = "LessThanThreshold"
      threshold   = 1
      periods     = 1
      missing     = "notBreaching"
      description = "Firehose could not invoke the transform Lambda successfully (after its retries the batch goes to errors/processing-failed/). Check the Lambda alarms and the delivery log group."
    }
    firehose-conversion-failed = {
      namespace   = "AWS/Firehose"
      metric_name = "FailedConversion.Records"
      dimensions  = local.firehose
      statistic   = "Sum"
      comparison  = "GreaterThanThreshold"
      threshold   = 0
      periods     = 1
      missing     = "notBreaching"
      description = "Records failed Parquet conversion and went to errors/format-conversion-failed/: the Lambda's JSON and the Glue table's columns disagree. Compare `accesslog schema --format glue-json` with the table."
    }
    kinesis-iterator-age = {
      namespace   = "AWS/Kinesis"
      metric_name = "GetRecords.IteratorAgeMilliseconds"
      dimensions  = local.kinesis
      statistic   = "Maximum"
      comparison  = "GreaterThanThreshold"
      threshold   = var.iterator_age_seconds * 1000
      periods     = 1
      missing     = "notBreaching"
      description = "Firehose reads the stream more than ${var.iterator_age_seconds} s behind; records older than the stream's retention are lost. Look for Firehose delivery errors or add shards."
    }
    kinesis-write-throttled = {
      namespace   = "AWS/Kinesis"
      metric_name = "WriteProvisionedThroughputExceeded"
      dimensions  = local.kinesis
      statistic   = "Sum"
      comparison  = "GreaterThanThreshold"
      threshold   = 0
      periods     = 1
      missing     = "notBreaching"
      description = "Fluent Bit's PutRecords calls were throttled: the stream's shards are full (1 MB/s or 1,000 records/s each). Fluent Bit retries; add shards or switch the stream to ON_DEMAND."
    }
    no-records-shipped = {
      namespace   = "AWS/Kinesis"
      metric_name = "IncomingRecords"
      dimensions  = local.kinesis
      statistic   = "Sum"
      comparison  = "LessThanThreshold"
      threshold   = 1
      periods     = var.no_records_minutes * 60 / var.period_seconds
      # No data point at all is the failure this alarm is for.
      missing     = "breaching"
      description = "No record reached ${var.kinesis_stream_name} for ${var.no_records_minutes} minutes: the app, its traffic or Fluent Bit stopped. On the instance: `systemctl status fluent-bit` and its journal."
    }
  }

  alarm_names = merge(
    { for k, _ in local.metric_alarms : k => "${var.name}-${k}" },
    { records-failed = "${var.name}-records-failed" },
  )
}

# ---------------------------------------------------------------- topic

resource "aws_sns_topic" "alarms" {
  #checkov:skip=CKV_AWS_26:CloudWatch alarms and EventBridge cannot publish to a topic encrypted with the AWS-managed SNS key; messages hold alarm states, not log data.
  name = "${var.name}-alarms"
}

locals {
  topic_policy = jsonencode({
    Version = "2012-10-17"
    Statement = [
      {
        Sid       = "AlarmsOfThisAccount"
        Effect    = "Allow"
        Principal = { Service = "cloudwatch.amazonaws.com" }
        Action    = "sns:Publish"
        Resource  = aws_sns_topic.alarms.arn
        Condition = {
          ArnLike      = { "aws:SourceArn" = "arn:${data.aws_partition.current.partition}:cloudwatch:${local.region}:${local.account_id}:alarm:${var.name}-*" }
          StringEquals = { "aws:SourceAccount" = local.account_id }
        }
      },
      {
        Sid       = "GlueJobFailureRule"
        Effect    = "Allow"
        Principal = { Service = "events.amazonaws.com" }
        Action    = "sns:Publish"
        Resource  = aws_sns_topic.alarms.arn
        Condition = { ArnEquals = { "aws:SourceArn" = aws_cloudwatch_event_rule.glue_job_failed.arn } }
      },
    ]
  })
}

# Replaces the default topic policy: only this stack's alarms and rule may publish.
resource "aws_sns_topic_policy" "alarms" {
  arn    = aws_sns_topic.alarms.arn
  policy = local.topic_policy
}

resource "aws_sns_topic_subscription" "email" {
  count = var.alarm_email == null ? 0 : 1

  topic_arn = aws_sns_topic.alarms.arn
  protocol  = "email"
  endpoint  = var.alarm_email
}

# ---------------------------------------------------------------- alarms

resource "aws_cloudwatch_metric_alarm" "metric" {
  for_each = local.metric_alarms

  alarm_name          = local.alarm_names[each.key]
  alarm_description   = each.value.description
  namespace           = each.value.namespace
  metric_name         = each.value.metric_name
  dimensions          = each.value.dimensions
  statistic           = each.value.statistic
  period              = var.period_seconds
  evaluation_periods  = each.value.periods
  datapoints_to_alarm = each.value.periods
  comparison_operator = each.value.comparison
  threshold           = each.value.threshold
  treat_missing_data  = each.value.missing
  alarm_actions       = [aws_sns_topic.alarms.arn]
  ok_actions          = [aws_sns_topic.alarms.arn]
}

# The Lambda's own counters (embedded metric format): ProcessingFailed records as a share of the
# records in. Firehose sends them to errors/processing-failed/; a few are expected (probes,
# binary junk), a rising share means a new log format or a clock problem (time guard).
resource "aws_cloudwatch_metric_alarm" "records_failed" {
  alarm_name          = local.alarm_names["records-failed"]
  alarm_description   = "More than ${var.failed_records_percent}% of the records came back ProcessingFailed (errors/processing-failed/). The function's log lines list the first failed record ids with their reason; the dashboard shows the reasons."
  evaluation_periods  = 1
  datapoints_to_alarm = 1
  comparison_operator = "GreaterThanThreshold"
  threshold           = var.failed_records_percent
  treat_missing_data  = "notBreaching"
  alarm_actions       = [aws_sns_topic.alarms.arn]
  ok_actions          = [aws_sns_topic.alarms.arn]

  metric_query {
    id          = "failed_percent"
    label       = "RecordsFailed / RecordsIn (%)"
    expression  = "IF(records_in > 0, 100 * records_failed / records_in, 0)"
    return_data = true
  }

  metric_query {
    id = "records_in"
    metric {
      namespace   = var.metric_namespace
      metric_name = "RecordsIn"
      dimensions  = local.lambda
      stat        = "Sum"
      period      = var.period_seconds
    }
  }

  metric_query {
    id = "records_failed"
    metric {
      namespace   = var.metric_namespace
      metric_name = "RecordsFailed"
      dimensions  = local.lambda
      stat        = "Sum"
      period      = var.period_seconds
    }
  }
}

# ---------------------------------------------------------------- Glue job failures

# Glue publishes no CloudWatch metric for a failed run; its state changes are EventBridge events.
resource "aws_cloudwatch_event_rule" "glue_job_failed" {
  name        = "${var.name}-glue-job-failed"
  description = "A run of ${var.glue_job_name} failed, timed out or ended in error."

  event_pattern = jsonencode({
    source        = ["aws.glue"]
    "detail-type" = ["Glue Job State Change"]
    detail = {
      jobName = [var.glue_job_name]
      state   = ["FAILED", "TIMEOUT", "ERROR"]
    }
  })
}

resource "aws_cloudwatch_event_target" "glue_job_failed" {
  rule      = aws_cloudwatch_event_rule.glue_job_failed.name
  target_id = "alarm-topic"
  arn       = aws_sns_topic.alarms.arn

  input_transformer {
    input_paths = {
      job   = "$.detail.jobName"
      run   = "$.detail.jobRunId"
      state = "$.detail.state"
      msg   = "$.detail.message"
    }
    input_template = "\"Glue job <job> run <run> ended <state>: <msg>. Read its error with: aws glue get-job-run --job-name <job> --run-id <run>\""
  }
}

# ---------------------------------------------------------------- dashboard

locals {
  dashboard_name = "${var.name}-pipeline"

  # Widgets in reading order: what came in, what the Lambda made of it, how Firehose and Kinesis
  # keep up, what reached the lake.
  dashboard_widgets = [
    {
      title   = "Records in / ok / failed (Lambda)"
      stat    = "Sum"
      metrics = [for m in ["RecordsIn", "RecordsOk", "RecordsDropped", "RecordsFailed"] : [var.metric_namespace, m, "FunctionName", var.lambda_function_name]]
    },
    {
      title = "Failed records: total and by reason"
      stat  = "Sum"
      # One series per RecordsFailed_<reason> metric the function has emitted, and the total:
      # an unquoted search term matches metric names containing it.
      metrics = [[{
        expression = "SEARCH('{${var.metric_namespace},FunctionName} FunctionName=\"${var.lambda_function_name}\" MetricName=RecordsFailed', 'Sum', ${var.period_seconds})"
        id         = "reasons"
        label      = ""
      }]]
    },
    {
      title   = "Lambda duration (ms)"
      stat    = "Maximum"
      metrics = [["AWS/Lambda", "Duration", "FunctionName", var.lambda_function_name, { stat = "Average" }], ["AWS/Lambda", "Duration", "FunctionName", var.lambda_function_name, { stat = "Maximum" }]]
    },
    {
      title   = "Lambda concurrency, errors, throttles"
      stat    = "Maximum"
      metrics = [["AWS/Lambda", "ConcurrentExecutions", "FunctionName", var.lambda_function_name], ["AWS/Lambda", "Errors", "FunctionName", var.lambda_function_name, { stat = "Sum" }], ["AWS/Lambda", "Throttles", "FunctionName", var.lambda_function_name, { stat = "Sum" }]]
    },
    {
      title   = "Firehose freshness to S3 (s)"
      stat    = "Maximum"
      metrics = [["AWS/Firehose", "DeliveryToS3.DataFreshness", "DeliveryStreamName", var.firehose_name]]
    },
    {
      title   = "Firehose bytes delivered to S3"
      stat    = "Sum"
      metrics = [["AWS/Firehose", "DeliveryToS3.Bytes", "DeliveryStreamName", var.firehose_name]]
    },
    {
      title   = "Kinesis incoming records"
      stat    = "Sum"
      metrics = [["AWS/Kinesis", "IncomingRecords", "StreamName", var.kinesis_stream_name]]
    },
    {
      title   = "Kinesis iterator age (ms)"
      stat    = "Maximum"
      metrics = [["AWS/Kinesis", "GetRecords.IteratorAgeMilliseconds", "StreamName", var.kinesis_stream_name]]
    },
    {
      title   = "Partitions and S3 objects written per hour"
      stat    = "Sum"
      period  = 3600
      metrics = [["AWS/Firehose", "PartitionCount", "DeliveryStreamName", var.firehose_name, { stat = "Maximum" }], ["AWS/Firehose", "DeliveryToS3.ObjectCount", "DeliveryStreamName", var.firehose_name]]
    },
  ]

  dashboard_body = jsonencode({
    widgets = [for i, w in local.dashboard_widgets : {
      type   = "metric"
      x      = (i % 2) * 12
      y      = floor(i / 2) * 6
      width  = 12
      height = 6
      properties = {
        title   = w.title
        region  = local.region
        view    = "timeSeries"
        stacked = false
        stat    = w.stat
        period  = lookup(w, "period", var.period_seconds)
        metrics = w.metrics
      }
    }]
  })
}

resource "aws_cloudwatch_dashboard" "this" {
  dashboard_name = local.dashboard_name
  dashboard_body = local.dashboard_body
}
