package dev.dcft.io.pytorch;

import dev.dcft.io.ShardedCheckpointReader;

/** {@code config.json} + {@code pytorch_model.bin}, or shards listed in {@code pytorch_model.bin.index.json}. */
public final class PytorchCheckpointReader extends ShardedCheckpointReader {
    public PytorchCheckpointReader() {
        super("pytorch_model.bin", PytorchBinReader::read);
    }
}
