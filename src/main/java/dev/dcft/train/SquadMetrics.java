package dev.dcft.train;

import java.util.ArrayList;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.regex.Pattern;

/**
 * SQuAD's metrics exactly as the official evaluation scripts (v1.1 and v2.0) compute them: answers
 * lower-cased, Python's {@code string.punctuation} removed, the articles a/an/the removed as whole
 * words, whitespace collapsed (Python's {@code str.split()}: any Unicode whitespace); exact match and
 * token F1, each the maximum over the gold answers, averaged and reported x100. v2.0 adds the
 * HasAns/NoAns splits and the best thresholds on the no-answer probabilities.
 */
public final class SquadMetrics {
    private static final String PUNCTUATION = "!\"#$%&'()*+,-./:;<=>?@[\\]^_`{|}~";
    private static final Pattern ARTICLES = Pattern.compile("\\b(a|an|the)\\b", Pattern.UNICODE_CHARACTER_CLASS);

    private SquadMetrics() {
    }

    /** One question's gold answers (texts) and whether it has any (v2.0). */
    public record Gold(String id, List<String> answers) {
    }

    public static String normalize(String s) {
        String lower = s.toLowerCase(Locale.ROOT);
        StringBuilder noPunct = new StringBuilder(lower.length());
        for (int i = 0; i < lower.length(); i++) {
            char c = lower.charAt(i);
            if (PUNCTUATION.indexOf(c) < 0) {
                noPunct.append(c);
            }
        }
        String noArticles = ARTICLES.matcher(noPunct).replaceAll(" ");
        return String.join(" ", tokens(noArticles));
    }

    /** Python's str.split(): runs of Unicode whitespace separate tokens. */
    static List<String> tokens(String s) {
        List<String> out = new ArrayList<>();
        int start = -1;
        for (int i = 0; i < s.length(); i++) {
            if (isPythonSpace(s.charAt(i))) {
                if (start >= 0) {
                    out.add(s.substring(start, i));
                    start = -1;
                }
            } else if (start < 0) {
                start = i;
            }
        }
        if (start >= 0) {
            out.add(s.substring(start));
        }
        return out;
    }

    static boolean isPythonSpace(char c) {
        return Character.isWhitespace(c) || Character.isSpaceChar(c) || c == '\u0085';
    }

    public static double exact(String prediction, String gold) {
        return normalize(prediction).equals(normalize(gold)) ? 1 : 0;
    }

    /** v1.1's token F1 (0 when nothing is shared). */
    public static double f1(String prediction, String gold) {
        List<String> p = tokens(normalize(prediction));
        List<String> g = tokens(normalize(gold));
        int same = common(p, g);
        if (same == 0) {
            return 0;
        }
        double precision = (double) same / p.size();
        double recall = (double) same / g.size();
        return 2 * precision * recall / (precision + recall);
    }

    /** v2.0's token F1: an empty side scores 1 only when both are empty. */
    public static double f1V2(String prediction, String gold) {
        List<String> p = tokens(normalize(prediction));
        List<String> g = tokens(normalize(gold));
        if (p.isEmpty() || g.isEmpty()) {
            return p.equals(g) ? 1 : 0;
        }
        return f1(prediction, gold);
    }

    private static int common(List<String> a, List<String> b) {
        Map<String, Integer> counts = new HashMap<>();
        for (String t : b) {
            counts.merge(t, 1, Integer::sum);
        }
        int same = 0;
        for (String t : a) {
            Integer c = counts.get(t);
            if (c != null && c > 0) {
                same++;
                counts.put(t, c - 1);
            }
        }
        return same;
    }

    /** v1.1: {@code exact_match} and {@code f1} over every question (a question without a prediction scores 0). */
    public static Map<String, Double> v1(List<Gold> gold, Map<String, String> predictions) {
        double em = 0;
        double f1 = 0;
        for (Gold g : gold) {
            String p = predictions.get(g.id());
            if (p == null) {
                continue;
            }
            double bestEm = 0;
            double bestF1 = 0;
            for (String a : g.answers()) {
                bestEm = Math.max(bestEm, exact(p, a));
                bestF1 = Math.max(bestF1, f1(p, a));
            }
            em += bestEm;
            f1 += bestF1;
        }
        Map<String, Double> out = new LinkedHashMap<>();
        out.put("exact_match", 100 * em / gold.size());
        out.put("f1", 100 * f1 / gold.size());
        return out;
    }

    /**
     * v2.0's keys: exact, f1, total, the HasAns_ and NoAns_ splits (when present), best_exact(_thresh),
     * best_f1(_thresh). {@code noAnswerProbability} may be null (all 0, as the script without a file).
     */
    public static Map<String, Double> v2(List<Gold> gold, Map<String, String> predictions, Map<String, Double> noAnswerProbability) {
        Map<String, Double> exact = new LinkedHashMap<>();
        Map<String, Double> f1 = new LinkedHashMap<>();
        Map<String, Boolean> hasAns = new LinkedHashMap<>();
        for (Gold g : gold) {
            List<String> answers = g.answers().stream().filter(a -> !normalize(a).isEmpty()).toList();
            hasAns.put(g.id(), !answers.isEmpty());
            if (answers.isEmpty()) {
                answers = List.of("");
            }
            String p = predictions.get(g.id());
            if (p == null) {
                continue;
            }
            double e = 0;
            double f = 0;
            for (String a : answers) {
                e = Math.max(e, exact(p, a));
                f = Math.max(f, f1V2(p, a));
            }
            exact.put(g.id(), e);
            f1.put(g.id(), f);
        }
        Map<String, Double> na = new LinkedHashMap<>();
        for (Gold g : gold) {
            na.put(g.id(), noAnswerProbability == null ? 0.0 : noAnswerProbability.getOrDefault(g.id(), 0.0));
        }
        Map<String, Double> exactT = threshold(exact, na, hasAns, 1.0);
        Map<String, Double> f1T = threshold(f1, na, hasAns, 1.0);
        Map<String, Double> out = new LinkedHashMap<>();
        put(out, "", exactT, f1T, hasAns.keySet().stream().toList());
        List<String> has = hasAns.entrySet().stream().filter(Map.Entry::getValue).map(Map.Entry::getKey).toList();
        List<String> no = hasAns.entrySet().stream().filter(e -> !e.getValue()).map(Map.Entry::getKey).toList();
        if (!has.isEmpty()) {
            put(out, "HasAns_", exactT, f1T, has);
        }
        if (!no.isEmpty()) {
            put(out, "NoAns_", exactT, f1T, no);
        }
        double[] bestExact = bestThreshold(predictions, exact, na, hasAns);
        double[] bestF1 = bestThreshold(predictions, f1, na, hasAns);
        out.put("best_exact", bestExact[0]);
        out.put("best_exact_thresh", bestExact[1]);
        out.put("best_f1", bestF1[0]);
        out.put("best_f1_thresh", bestF1[1]);
        return out;
    }

    private static void put(Map<String, Double> out, String prefix, Map<String, Double> exact, Map<String, Double> f1, List<String> ids) {
        double e = 0;
        double f = 0;
        for (String id : ids) {
            e += exact.getOrDefault(id, 0.0);
            f += f1.getOrDefault(id, 0.0);
        }
        out.put(prefix + "exact", 100 * e / ids.size());
        out.put(prefix + "f1", 100 * f / ids.size());
        out.put(prefix + "total", (double) ids.size());
    }

    private static Map<String, Double> threshold(Map<String, Double> scores, Map<String, Double> na, Map<String, Boolean> hasAns, double t) {
        Map<String, Double> out = new LinkedHashMap<>();
        scores.forEach((id, s) -> out.put(id, na.get(id) > t ? (hasAns.get(id) ? 0.0 : 1.0) : s));
        return out;
    }

    /** The script's find_best_thresh: sweep the no-answer probabilities in (stable) increasing order. */
    private static double[] bestThreshold(Map<String, String> preds, Map<String, Double> scores, Map<String, Double> na,
            Map<String, Boolean> hasAns) {
        double numNoAns = hasAns.values().stream().filter(h -> !h).count();
        double cur = numNoAns;
        double best = cur;
        double bestThresh = 0;
        List<String> order = new ArrayList<>(na.keySet());
        order.sort((x, y) -> Double.compare(na.get(x), na.get(y)));
        for (String id : order) {
            if (!scores.containsKey(id)) {
                continue;
            }
            double diff = hasAns.get(id) ? scores.get(id) : (preds.get(id).isEmpty() ? 0 : -1);
            cur += diff;
            if (cur > best) {
                best = cur;
                bestThresh = na.get(id);
            }
        }
        return new double[] {100 * best / scores.size(), bestThresh};
    }
}
