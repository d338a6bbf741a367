package dev.storyloop.stories.proxy;

import io.netty.buffer.ByteBuf;
import io.netty.channel.ChannelHandlerContext;
import io.netty.handler.codec.ByteToMessageDecoder;

import java.util.List;

/**
 * Cuts a TCP byte stream into whole MQTT packets (fixed header: a type byte and a remaining length
 * of one to four bytes), so the proxy delays, counts and retries packets as the simulated links do.
 *
 * <p>A stream that is not MQTT (a fifth length byte, or a declared length over
 * {@link #PACKET_BYTES_MAX}) is not refused: from then on this direction forwards whatever it reads
 * as it comes, and {@link #unframed()} says so. The proxy is a network, not a broker; judging the
 * bytes is the broker's job.
 */
final class MqttFramer extends ByteToMessageDecoder {
    /** The largest packet held whole; bigger ones (never sent by storyloop's devices) are passed on in pieces. */
    static final int PACKET_BYTES_MAX = 1024 * 1024;

    private boolean unframed;

    boolean unframed() {
        return unframed;
    }

    @Override
    protected void decode(ChannelHandlerContext ctx, ByteBuf in, List<Object> out) {
        while (in.isReadable()) {
            if (unframed) {
                out.add(in.readRetainedSlice(in.readableBytes()));
                return;
            }
            int start = in.readerIndex();
            int length = 0;
            int multiplier = 1;
            int index = start + 1;
            boolean complete = false;
            for (int digits = 0; digits < 4; digits++) {
                if (index >= in.writerIndex()) return; // the length is not all here yet
                int digit = in.getByte(index++) & 0xFF;
                length += (digit & 0x7F) * multiplier;
                multiplier *= 128;
                if ((digit & 0x80) == 0) {
                    complete = true;
                    break;
                }
            }
            if (!complete || length > PACKET_BYTES_MAX) {
                unframed = true;
                continue;
            }
            int total = index - start + length;
            if (in.readableBytes() < total) return;
            out.add(in.readRetainedSlice(total));
        }
    }
}
