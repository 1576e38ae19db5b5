package dev.dcft.serve;

/** A request or an adapter the server refuses: the HTTP status and a one-line reason. */
public class ServeException extends RuntimeException {
    private final int status;

    public ServeException(int status, String message) {
        super(message);
        this.status = status;
    }

    public int status() {
        return status;
    }
}
