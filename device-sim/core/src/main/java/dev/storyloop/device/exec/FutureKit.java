package dev.storyloop.device.exec;

import java.util.function.Function;

/** The futures behind {@link Future#of}, {@link Future#map} and {@link Future#andThen}. */
final class FutureKit {
    private FutureKit() {}

    static final class OfFn<T> implements Future<T>, Future.Output<T> {
        private final Future.PollFn<T> poll;
        private final Runnable onCancel;
        private T value;
        private boolean done;

        OfFn(Future.PollFn<T> poll, Runnable onCancel) {
            this.poll = poll;
            this.onCancel = onCancel;
        }

        @Override
        public Poll poll(Context cx) {
            if (done) return Poll.READY;
            if (poll.poll(cx, this) == Poll.PENDING) return Poll.PENDING;
            done = true;
            return Poll.READY;
        }

        @Override
        public Poll ready(T result) {
            value = result;
            return Poll.READY;
        }

        @Override
        public T output() {
            return value;
        }

        @Override
        public void cancel() {
            if (!done && onCancel != null) onCancel.run();
        }
    }

    static final class Map<T, U> implements Future<U> {
        private final Future<T> inner;
        private final Function<? super T, ? extends U> fn;
        private U value;
        private boolean done;

        Map(Future<T> inner, Function<? super T, ? extends U> fn) {
            this.inner = inner;
            this.fn = fn;
        }

        @Override
        public Poll poll(Context cx) {
            if (done) return Poll.READY;
            if (inner.poll(cx) == Poll.PENDING) return Poll.PENDING;
            value = fn.apply(inner.output());
            done = true;
            return Poll.READY;
        }

        @Override
        public U output() {
            return value;
        }

        @Override
        public void cancel() {
            if (!done) inner.cancel();
        }
    }

    static final class AndThen<T, U> implements Future<U> {
        private final Future<T> first;
        private final Function<? super T, ? extends Future<U>> next;
        private Future<U> second;
        private boolean done;

        AndThen(Future<T> first, Function<? super T, ? extends Future<U>> next) {
            this.first = first;
            this.next = next;
        }

        @Override
        public Poll poll(Context cx) {
            if (done) return Poll.READY;
            if (second == null) {
                if (first.poll(cx) == Poll.PENDING) return Poll.PENDING;
                second = next.apply(first.output());
                if (second == null) throw new NullPointerException("andThen's function returned no future");
            }
            if (second.poll(cx) == Poll.PENDING) return Poll.PENDING;
            done = true;
            return Poll.READY;
        }

        @Override
        public U output() {
            return done ? second.output() : null;
        }

        @Override
        public void cancel() {
            if (done) return;
            if (second == null) first.cancel(); else second.cancel();
        }
    }
}
