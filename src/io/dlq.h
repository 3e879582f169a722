/* Watches an SQS dead-letter queue's depth (GetQueueUrl once, then GetQueueAttributes). */
#ifndef CDCTOP_DLQ_H
#define CDCTOP_DLQ_H

struct ev_loop;
struct model;
struct aws_client;
struct dlq;

/* name_or_url: a queue name, or a queue URL (used as it is). */
struct dlq *dlq_new(struct model *m, struct aws_client *sqs, const char *name_or_url,
                    double interval_s);
void dlq_start(struct dlq *d, struct ev_loop *loop);
void dlq_stop(struct dlq *d);
void dlq_free(struct dlq *d);
/* Called after each poll changed the model. */
void dlq_set_changed(struct dlq *d, void (*changed)(void *ctx), void *ctx);

#endif
