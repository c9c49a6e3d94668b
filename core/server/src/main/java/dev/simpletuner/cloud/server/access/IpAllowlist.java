package dev.simpletuner.cloud.server.access;

import java.math.BigInteger;
import java.net.InetAddress;
import java.net.UnknownHostException;
import java.util.ArrayList;
import java.util.List;

/**
 * Addresses a provider's webhooks may come from (the reference's {@code webhook_allowed_ips}): IPv4
 * and IPv6 addresses and CIDR blocks. Empty allows every source.
 */
public final class IpAllowlist {
  private record Block(byte[] network, int prefix) {
  }

  private final List<Block> blocks;

  private IpAllowlist(List<Block> blocks) {
    this.blocks = blocks;
  }

  /** Parses the entries; a malformed one is refused with {@link IllegalArgumentException} naming it. */
  public static IpAllowlist parse(List<String> entries) {
    List<Block> blocks = new ArrayList<>();
    for (String entry : entries) {
      blocks.add(block(entry.strip()));
    }
    return new IpAllowlist(blocks);
  }

  private static Block block(String entry) {
    String[] parts = entry.split("/", 2);
    // Literal addresses only: a host name here would mean a DNS lookup.
    if (!parts[0].matches("[0-9.]+|[0-9A-Fa-f:.]*:[0-9A-Fa-f:.]*")) {
      throw new IllegalArgumentException("Invalid IP address or CIDR: " + entry);
    }
    try {
      byte[] address = InetAddress.getByName(parts[0]).getAddress();
      int prefix = parts.length == 1 ? address.length * 8 : Integer.parseInt(parts[1]);
      if (prefix < 0 || prefix > address.length * 8) {
        throw new IllegalArgumentException("Invalid IP address or CIDR: " + entry);
      }
      return new Block(address, prefix);
    } catch (UnknownHostException | NumberFormatException e) {
      throw new IllegalArgumentException("Invalid IP address or CIDR: " + entry);
    }
  }

  public boolean isEmpty() {
    return blocks.isEmpty();
  }

  public boolean allows(String address) {
    if (blocks.isEmpty()) {
      return true;
    }
    byte[] ip;
    // Literal addresses only: never a DNS lookup.
    if (address == null || !address.matches("[0-9.]+|[0-9A-Fa-f:.]*:[0-9A-Fa-f:.%a-z0-9]*")) {
      return false;
    }
    try {
      ip = InetAddress.getByName(address).getAddress();
    } catch (UnknownHostException e) {
      return false;
    }
    if (ip == null) {
      return false;
    }
    for (Block b : blocks) {
      if (b.network().length == ip.length && samePrefix(b.network(), ip, b.prefix())) {
        return true;
      }
    }
    return false;
  }

  private static boolean samePrefix(byte[] a, byte[] b, int bits) {
    BigInteger mask = bits == 0 ? BigInteger.ZERO
        : BigInteger.ONE.shiftLeft(bits).subtract(BigInteger.ONE).shiftLeft(a.length * 8 - bits);
    return new BigInteger(1, a).and(mask).equals(new BigInteger(1, b).and(mask));
  }
}
