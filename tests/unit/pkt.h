/* SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause */
/*
 * A canned Ethernet + IPv4 + UDP packet for BPF_PROG_TEST_RUN, shared by the
 * unit tests and bench/. FL_PKT_PAYLOAD (default 8) sets the payload size.
 */
#ifndef FL_TEST_PKT_H
#define FL_TEST_PKT_H

#include <arpa/inet.h>
#include <netinet/in.h>
#include <linux/if_ether.h>
#include <linux/ip.h>
#include <linux/udp.h>

#ifndef FL_PKT_PAYLOAD
#define FL_PKT_PAYLOAD 8
#endif

struct pkt4 {
	struct ethhdr eth;
	struct iphdr ip;
	struct udphdr udp;
	char payload[FL_PKT_PAYLOAD];
} __attribute__((packed));

static inline struct pkt4 fl_udp4(const char *src, const char *dst, int sport, int dport)
{
	struct pkt4 p = { 0 };

	p.eth.h_proto = htons(ETH_P_IP);
	p.ip.version = 4;
	p.ip.ihl = 5;
	p.ip.ttl = 64;
	p.ip.protocol = IPPROTO_UDP;
	p.ip.tot_len = htons(sizeof(p) - sizeof(p.eth));
	inet_pton(AF_INET, src, &p.ip.saddr);
	inet_pton(AF_INET, dst, &p.ip.daddr);
	p.udp.source = htons(sport);
	p.udp.dest = htons(dport);
	p.udp.len = htons(sizeof(p.udp) + sizeof(p.payload));
	return p;
}

#endif
