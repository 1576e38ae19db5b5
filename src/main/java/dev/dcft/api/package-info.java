/**
 * The Java API: what the {@code dcft} command line does, for Java callers. Start at {@link dev.dcft.api.Dcft}:
 * load a base model ({@link dev.dcft.api.BaseModel}), fine-tune it on a list of examples or a file
 * ({@link dev.dcft.api.FineTuning}), and label texts with the result ({@link dev.dcft.api.Classifier}) from
 * as many threads as you like. The command line and this API run the same code, so their outputs are identical.
 */
package dev.dcft.api;
