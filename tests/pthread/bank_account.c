/* A bank account: two threads deposit at once; the balance is read and written without
 * the lock, so a deposit can be lost. */
#include <assert.h>
#include <pthread.h>
#include <stdio.h>

static pthread_mutex_t lock = PTHREAD_MUTEX_INITIALIZER;
static int balance = 100;

static void deposit(int amount)
{
    int b = balance; /* the bug: read outside the lock */
    pthread_mutex_lock(&lock);
    balance = b + amount;
    pthread_mutex_unlock(&lock);
}

static void *customer(void *arg)
{
    deposit(*(int *)arg);
    return NULL;
}

int main(void)
{
    pthread_t a, b;
    int ten = 10, twenty = 20;
    pthread_create(&a, NULL, customer, &ten);
    pthread_create(&b, NULL, customer, &twenty);
    pthread_join(a, NULL);
    pthread_join(b, NULL);
    assert(balance == 130);
    return 0;
}
