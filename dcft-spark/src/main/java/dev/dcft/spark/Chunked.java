package dev.dcft.spark;

import java.util.ArrayList;
import java.util.Iterator;
import java.util.List;
import java.util.NoSuchElementException;
import java.util.function.Function;

/**
 * A partition's rows read {@code size} at a time and mapped chunk by chunk, in order: a partition of millions of rows is
 * never held whole, and each chunk is large enough to group its texts by length.
 */
final class Chunked<T, R> implements Iterator<R> {
    private final Iterator<T> source;
    private final int size;
    private final Function<List<T>, List<R>> map;
    private Iterator<R> current = java.util.Collections.emptyIterator();

    Chunked(Iterator<T> source, int size, Function<List<T>, List<R>> map) {
        this.source = source;
        this.size = size;
        this.map = map;
    }

    @Override
    public boolean hasNext() {
        while (!current.hasNext() && source.hasNext()) {
            List<T> chunk = new ArrayList<>(size);
            while (chunk.size() < size && source.hasNext()) {
                chunk.add(source.next());
            }
            current = map.apply(chunk).iterator();
        }
        return current.hasNext();
    }

    @Override
    public R next() {
        if (!hasNext()) {
            throw new NoSuchElementException();
        }
        return current.next();
    }
}
