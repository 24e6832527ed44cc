/* trama/trama.h — every primitive. */
#ifndef TRAMA_TRAMA_H
#define TRAMA_TRAMA_H

#include <trama/barrier.h>
#include <trama/condition.h>
#include <trama/event.h>
#include <trama/executor.h>
#include <trama/lock.h>
#include <trama/native.h>
#include <trama/pipe.h>
#include <trama/process.h>
#include <trama/queue.h>
#include <trama/semaphore.h>
#include <trama/shared.h>
#include <trama/status.h>
#include <trama/thread.h>

#endif
