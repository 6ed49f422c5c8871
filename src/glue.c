/* glue.c - the thread-safe build's locks and fork handlers. */
#include "config.h"

#include "glue.h"

#include <pthread.h>

static pthread_mutex_t jm_locks[JM_NLOCKS] = {
	PTHREAD_MUTEX_INITIALIZER, PTHREAD_MUTEX_INITIALIZER,
	PTHREAD_MUTEX_INITIALIZER,
};

static pthread_once_t jm_glue_once = PTHREAD_ONCE_INIT;

static void jm_fork_prepare(void)
{
	int i;

	for (i = 0; i < JM_NLOCKS; i++)
		(void)pthread_mutex_lock(&jm_locks[i]);
}

static void jm_fork_parent(void)
{
	int i;

	for (i = JM_NLOCKS; i-- > 0;)
		(void)pthread_mutex_unlock(&jm_locks[i]);
}

static void jm_fork_child(void)
{
	int i;

	/* Only the forking thread lives on; the locks it held are free. */
	for (i = 0; i < JM_NLOCKS; i++)
		(void)pthread_mutex_init(&jm_locks[i], NULL);
}

static void jm_glue_init(void)
{
	(void)pthread_atfork(jm_fork_prepare, jm_fork_parent, jm_fork_child);
}

void jm_lock(enum jm_lock_id id)
{
	(void)pthread_once(&jm_glue_once, jm_glue_init);
	(void)pthread_mutex_lock(&jm_locks[id]);
}

void jm_unlock(enum jm_lock_id id)
{
	(void)pthread_mutex_unlock(&jm_locks[id]);
}
