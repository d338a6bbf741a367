package dev.storyloop.device.net;

/** A message the broker delivered to the device (a command, a flow credit). */
public record InboundMessage(String topic, byte[] payload, int qos, boolean retained, boolean duplicate) {}
