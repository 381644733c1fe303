package main

// --x509 and --bcrypt-verify: what Go's crypto/x509 and x/crypto/bcrypt make of certificates,
// keys and hashes, for crates/helm/tests/crypto.rs (Sprig's genCA, genSignedCert, bcrypt, ...).

import (
	"bytes"
	"crypto"
	"crypto/ecdsa"
	"crypto/ed25519"
	"crypto/rsa"
	"crypto/x509"
	"encoding/hex"
	"encoding/json"
	"encoding/pem"
	"fmt"
	"os"
	"time"

	"golang.org/x/crypto/bcrypt"
)

type x509Extension struct {
	ID       string `json:"id"`
	Critical bool   `json:"critical"`
}

type x509Cert struct {
	SubjectCN             string          `json:"subject_cn"`
	IssuerCN              string          `json:"issuer_cn"`
	RawSubject            string          `json:"raw_subject"`
	RawIssuer             string          `json:"raw_issuer"`
	IsCA                  bool            `json:"is_ca"`
	BasicConstraintsValid bool            `json:"basic_constraints_valid"`
	MaxPathLen            int             `json:"max_path_len"`
	KeyUsage              int             `json:"key_usage"`
	ExtKeyUsage           []int           `json:"ext_key_usage"`
	DNSNames              []string        `json:"dns_names"`
	IPs                   []string        `json:"ips"`
	NotBefore             int64           `json:"not_before"`
	NotAfter              int64           `json:"not_after"`
	SerialBits            int             `json:"serial_bits"`
	Version               int             `json:"version"`
	SubjectKeyID          string          `json:"subject_key_id"`
	AuthorityKeyID        string          `json:"authority_key_id"`
	SignatureAlgorithm    string          `json:"signature_algorithm"`
	PublicKeyAlgorithm    string          `json:"public_key_algorithm"`
	Extensions            []x509Extension `json:"extensions"`
	// SelfSigned: the signature checks against the certificate's own key.
	SelfSigned bool `json:"self_signed"`
	// Verify: cert.Verify with the first CA certificate of the file as the only root, at the
	// certificate's NotBefore; "" when it succeeds, else the error.
	Verify string `json:"verify"`
}

type x509Key struct {
	PEMType string `json:"pem_type"`
	Type    string `json:"type"`
	Bits    int    `json:"bits"`
	Error   string `json:"error"`
	// Matches: the indexes of the certificates whose public key is this key's.
	Matches []int `json:"matches"`
	// Canonical: Go's Marshal* of the parsed key gives the block's bytes back exactly.
	Canonical bool `json:"canonical"`
}

type x509Result struct {
	Certs      []x509Cert `json:"certs"`
	CertErrors []string   `json:"cert_errors"`
	Keys       []x509Key  `json:"keys"`
	Other      []string   `json:"other"`
}

func runX509(path string) error {
	data, err := os.ReadFile(path)
	if err != nil {
		return err
	}
	res := x509Result{Certs: []x509Cert{}, CertErrors: []string{}, Keys: []x509Key{}, Other: []string{}}
	var certs []*x509.Certificate
	var keyBlocks []*pem.Block
	for {
		var block *pem.Block
		block, data = pem.Decode(data)
		if block == nil {
			break
		}
		switch {
		case block.Type == "CERTIFICATE":
			c, err := x509.ParseCertificate(block.Bytes)
			if err != nil {
				res.CertErrors = append(res.CertErrors, err.Error())
				continue
			}
			certs = append(certs, c)
		case block.Type == "PRIVATE KEY" || block.Type == "RSA PRIVATE KEY" || block.Type == "EC PRIVATE KEY":
			keyBlocks = append(keyBlocks, block)
		default:
			res.Other = append(res.Other, block.Type)
		}
	}
	var root *x509.Certificate
	for _, c := range certs {
		if c.IsCA {
			root = c
			break
		}
	}
	for _, c := range certs {
		out := x509Cert{
			SubjectCN:             c.Subject.CommonName,
			IssuerCN:              c.Issuer.CommonName,
			RawSubject:            hex.EncodeToString(c.RawSubject),
			RawIssuer:             hex.EncodeToString(c.RawIssuer),
			IsCA:                  c.IsCA,
			BasicConstraintsValid: c.BasicConstraintsValid,
			MaxPathLen:            c.MaxPathLen,
			KeyUsage:              int(c.KeyUsage),
			ExtKeyUsage:           []int{},
			DNSNames:              []string{},
			IPs:                   []string{},
			NotBefore:             c.NotBefore.Unix(),
			NotAfter:              c.NotAfter.Unix(),
			SerialBits:            c.SerialNumber.BitLen(),
			Version:               c.Version,
			SubjectKeyID:          hex.EncodeToString(c.SubjectKeyId),
			AuthorityKeyID:        hex.EncodeToString(c.AuthorityKeyId),
			SignatureAlgorithm:    c.SignatureAlgorithm.String(),
			PublicKeyAlgorithm:    c.PublicKeyAlgorithm.String(),
			Extensions:            []x509Extension{},
			SelfSigned:            c.CheckSignature(c.SignatureAlgorithm, c.RawTBSCertificate, c.Signature) == nil,
		}
		for _, u := range c.ExtKeyUsage {
			out.ExtKeyUsage = append(out.ExtKeyUsage, int(u))
		}
		out.DNSNames = append(out.DNSNames, c.DNSNames...)
		for _, ip := range c.IPAddresses {
			out.IPs = append(out.IPs, ip.String())
		}
		for _, e := range c.Extensions {
			out.Extensions = append(out.Extensions, x509Extension{ID: e.Id.String(), Critical: e.Critical})
		}
		if root == nil {
			out.Verify = "no CA certificate in the file"
		} else {
			pool := x509.NewCertPool()
			pool.AddCert(root)
			at := c.NotBefore
			if root.NotBefore.After(at) {
				at = root.NotBefore
			}
			_, err := c.Verify(x509.VerifyOptions{
				Roots:       pool,
				CurrentTime: at.Add(time.Second),
				KeyUsages:   []x509.ExtKeyUsage{x509.ExtKeyUsageAny},
			})
			if err != nil {
				out.Verify = err.Error()
			}
		}
		res.Certs = append(res.Certs, out)
	}
	for _, b := range keyBlocks {
		k := x509Key{PEMType: b.Type, Matches: []int{}}
		var priv crypto.PrivateKey
		var again []byte
		switch b.Type {
		case "RSA PRIVATE KEY":
			p, err := x509.ParsePKCS1PrivateKey(b.Bytes)
			if err == nil {
				priv = p
				again = x509.MarshalPKCS1PrivateKey(p)
			} else {
				k.Error = err.Error()
			}
		case "EC PRIVATE KEY":
			p, err := x509.ParseECPrivateKey(b.Bytes)
			if err == nil {
				priv = p
				again, _ = x509.MarshalECPrivateKey(p)
			} else {
				k.Error = err.Error()
			}
		default:
			p, err := x509.ParsePKCS8PrivateKey(b.Bytes)
			if err == nil {
				priv = p
				again, _ = x509.MarshalPKCS8PrivateKey(p)
			} else {
				k.Error = err.Error()
			}
		}
		k.Canonical = again != nil && bytes.Equal(again, b.Bytes)
		var pub crypto.PublicKey
		switch p := priv.(type) {
		case *rsa.PrivateKey:
			k.Type, k.Bits, pub = "rsa", p.N.BitLen(), p.Public()
		case *ecdsa.PrivateKey:
			k.Type, k.Bits, pub = "ecdsa "+p.Curve.Params().Name, p.Curve.Params().BitSize, p.Public()
		case ed25519.PrivateKey:
			k.Type, k.Bits, pub = "ed25519", 256, p.Public()
		}
		if eq, ok := pub.(interface{ Equal(crypto.PublicKey) bool }); ok {
			for i, c := range certs {
				if eq.Equal(c.PublicKey) {
					k.Matches = append(k.Matches, i)
				}
			}
		}
		res.Keys = append(res.Keys, k)
	}
	enc := json.NewEncoder(os.Stdout)
	enc.SetEscapeHTML(false)
	return enc.Encode(res)
}

type bcryptCase struct {
	Hash     string `json:"hash"`
	Password string `json:"password"`
}

// runBcryptVerify prints, for each {hash, password}, "" when the hash matches and the error
// otherwise.
func runBcryptVerify(path string) error {
	data, err := os.ReadFile(path)
	if err != nil {
		return err
	}
	var cases []bcryptCase
	if err := json.Unmarshal(data, &cases); err != nil {
		return fmt.Errorf("%s: %v", path, err)
	}
	out := make([]string, 0, len(cases))
	for _, c := range cases {
		if err := bcrypt.CompareHashAndPassword([]byte(c.Hash), []byte(c.Password)); err != nil {
			out = append(out, err.Error())
		} else {
			out = append(out, "")
		}
	}
	return json.NewEncoder(os.Stdout).Encode(out)
}
