package dev.dcft.model.decoder;

/**
 * How to pick each new token: greedy (the most likely), or sampled at {@code temperature} from the {@code topK} most
 * likely (0: all) whose probabilities reach {@code topP} (1: all), from a generator seeded with {@code seed}.
 */
public record GenerationOptions(int maxNewTokens, boolean greedy, double temperature, int topK, double topP, long seed) {
    public GenerationOptions {
        if (maxNewTokens < 1) {
            throw new IllegalArgumentException("--max-new-tokens must be at least 1, got " + maxNewTokens);
        }
        if (!greedy && !(temperature > 0 && Double.isFinite(temperature))) {
            throw new IllegalArgumentException("--temperature must be a positive number, got " + temperature + " (use --greedy for"
                    + " the most likely token)");
        }
        if (topK < 0) {
            throw new IllegalArgumentException("--top-k must be 0 (all) or positive, got " + topK);
        }
        if (!(topP > 0 && topP <= 1)) {
            throw new IllegalArgumentException("--top-p must be in (0, 1], got " + topP);
        }
    }

    public static GenerationOptions greedy(int maxNewTokens) {
        return new GenerationOptions(maxNewTokens, true, 1, 0, 1, 0);
    }
}
