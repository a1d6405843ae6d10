package org.tessera.boot.image;

/** A boot image that cannot be used: truncated, corrupt or inconsistent; the message says why. */
public final class ImageFormatException extends Exception
{
    private static final long serialVersionUID = 1L;

    /**
     * @param message what is wrong, and where.
     */
    public ImageFormatException(final String message)
    {
        super(message);
    }
}
