package dev.dcft.adapters;

/**
 * A module key that a user's regular expression (target_modules, exclude_modules, layers_pattern,
 * rank_pattern and alpha_pattern keys, which PEFT's files define as regular expressions) may read
 * only so many characters of: a pattern with catastrophic backtracking, such as
 * {@code .*.*.*.*.*.*.*.*.*.*.*.*z} (polynomial of degree 12 in the key's length), fails in milliseconds with one line instead of holding a CPU for hours (issue 27's fuzzing).
 * Java's matcher reads its input only through {@link #charAt}, so counting there bounds its work.
 */
public final class RegexBudget implements CharSequence {
    /** Characters read per match: legitimate patterns on keys of under 200 characters need a few thousand. */
    static final int STEPS = 1_000_000;

    private final String key;
    private final String pattern;
    private int left;

    private RegexBudget(String key, String pattern, int left) {
        this.key = key;
        this.pattern = pattern;
        this.left = left;
    }

    public static CharSequence of(String key, java.util.regex.Pattern p) {
        return new RegexBudget(key, p.pattern(), STEPS);
    }

    @Override
    public char charAt(int index) {
        if (--left < 0) {
            throw new IllegalArgumentException("the regular expression '" + pattern + "' takes too long to match '" + key
                    + "' (catastrophic backtracking): simplify it");
        }
        return key.charAt(index);
    }

    @Override
    public int length() {
        return key.length();
    }

    @Override
    public CharSequence subSequence(int start, int end) {
        return key.substring(start, end);
    }

    @Override
    public String toString() {
        return key;
    }
}
