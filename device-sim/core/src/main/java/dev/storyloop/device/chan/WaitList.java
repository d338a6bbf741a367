package dev.storyloop.device.chan;

/** An intrusive FIFO of waiting futures: linking a waiter allocates nothing. Loop thread only. */
final class WaitList<N extends WaitList.Node<N>> {
    private N first;
    private N last;
    private int size;

    abstract static class Node<N extends Node<N>> {
        N prev;
        N next;
        boolean linked;

        final boolean isLinked() {
            return linked;
        }
    }

    void addLast(N node) {
        assert !node.linked : "waiter linked twice";
        node.linked = true;
        node.prev = last;
        node.next = null;
        if (last == null) first = node; else last.next = node;
        last = node;
        size++;
    }

    N pollFirst() {
        N node = first;
        if (node != null) remove(node);
        return node;
    }

    void remove(N node) {
        if (!node.linked) return;
        if (node.prev == null) first = node.next; else node.prev.next = node.next;
        if (node.next == null) last = node.prev; else node.next.prev = node.prev;
        node.prev = null;
        node.next = null;
        node.linked = false;
        size--;
    }

    int size() {
        return size;
    }
}
