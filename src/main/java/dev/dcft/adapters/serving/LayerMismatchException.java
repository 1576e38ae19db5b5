package dev.dcft.adapters.serving;

/** An adapter's layer does not fit the served base's layer (a shape, a kernel that does not divide): the server answers 409. */
public final class LayerMismatchException extends IllegalArgumentException {
    public LayerMismatchException(String message) {
        super(message);
    }
}
