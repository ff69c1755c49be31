/**
 * Reference answers captured once from Dovecot 2.3.19 (Debian 12) for the fixtures in fixtures.ts,
 * APPENDed to a Maildir mailbox and FETCHed over IMAP. Test data only; not exported by index.ts.
 * Section and BINARY results are kept as [length, first 12 hex digits of SHA-256] to stay small.
 * The bare-LF fixtures are left out: Dovecot stores mail with CRLF, so its answers for them are the CRLF ones.
 */

export interface DovecotReference {
  envelope: string;
  bodystructure: string;
  body: string;
  /** BODY[section] → [length, sha256 prefix]; a section that does not exist answered as "" by Dovecot. */
  sections: Record<string, [number, string]>;
  /** BINARY[part] → [length, sha256 prefix], or "UNKNOWN-CTE" when Dovecot answered NO [UNKNOWN-CTE]. */
  binary: Record<string, [number, string] | "UNKNOWN-CTE">;
}

export const dovecot: Record<string, DovecotReference> = {
  plain: {
    envelope:
      "(\"Mon, 3 Jun 2024 11:15:00 +0200\" \"Lunch on Thursday?\" ((\"Alice Example\" NIL \"alice\" \"example.org\")) ((\"Alice Example\" NIL \"alice\" \"example.org\")) ((\"Alice Example\" NIL \"alice\" \"example.org\")) ((\"Bob\" NIL \"bob\" \"example.net\")) NIL NIL NIL \"<20240603091500.1234@example.org>\")",
    bodystructure:
      "(\"text\" \"plain\" (\"charset\" \"UTF-8\" \"format\" \"flowed\") NIL NIL \"7bit\" 82 5 NIL NIL NIL NIL)",
    body:
      "(\"text\" \"plain\" (\"charset\" \"UTF-8\" \"format\" \"flowed\") NIL NIL \"7bit\" 82 5)",
    sections: {
      "": [550, "d11b6fd7e390"], "HEADER": [468, "1312ef1da426"], "TEXT": [82, "b7d96d24e3d5"], "1.1.1": [0, "e3b0c44298fc"],
      "1.2": [0, "e3b0c44298fc"], "2.1.1": [0, "e3b0c44298fc"], "2.1.MIME": [0, "e3b0c44298fc"], "2.HEADER": [0, "e3b0c44298fc"],
      "2.TEXT": [0, "e3b0c44298fc"], "1.1.MIME": [0, "e3b0c44298fc"], "2.1.1.1": [0, "e3b0c44298fc"], "3.1.1": [0, "e3b0c44298fc"],
      "1": [82, "b7d96d24e3d5"], "1.MIME": [468, "1312ef1da426"], "1.HEADER": [0, "e3b0c44298fc"], "1.TEXT": [0, "e3b0c44298fc"],
      "2": [0, "e3b0c44298fc"], "2.MIME": [0, "e3b0c44298fc"], "3": [0, "e3b0c44298fc"], "3.MIME": [0, "e3b0c44298fc"],
      "3.HEADER": [0, "e3b0c44298fc"], "3.TEXT": [0, "e3b0c44298fc"], "3.1": [0, "e3b0c44298fc"], "3.1.MIME": [0, "e3b0c44298fc"],
      "3.2": [0, "e3b0c44298fc"], "3.2.MIME": [0, "e3b0c44298fc"], "3.3": [0, "e3b0c44298fc"], "4": [0, "e3b0c44298fc"],
      "HEADER.FIELDS (FROM SUBJECT MESSAGE-ID)": [119, "818fb15490f5"], "HEADER.FIELDS.NOT (RECEIVED RETURN-PATH DATE)": [256, "62627cf0a9e6"], "3.HEADER.FIELDS (SUBJECT)": [0, "e3b0c44298fc"], "1.1": [0, "e3b0c44298fc"],
      "2.1": [0, "e3b0c44298fc"], "2.2": [0, "e3b0c44298fc"], "<5>": [10, "932b1f9caa07"], "TEXT<0>": [4, "c1f629a89ff4"],
    },
    binary: {
      "": [550, "d11b6fd7e390"], "1": [82, "b7d96d24e3d5"], "2": [0, "e3b0c44298fc"], "3": [0, "e3b0c44298fc"],
      "1.1": [0, "e3b0c44298fc"], "3.1": [0, "e3b0c44298fc"],
    },
  },
  alternative: {
    envelope:
      "(\"Tue, 04 Jun 2024 08:00:00 -0400\" \"=?UTF-8?Q?Summer_sale_=E2=80=93_30=25_off?=\" ((\"Newsletter Team\" NIL \"news\" \"shop.example\")) ((\"Newsletter Team\" NIL \"news\" \"shop.example\")) ((NIL NIL \"support\" \"shop.example\")) ((NIL NIL \"carol\" \"example.com\")) NIL NIL NIL \"<n-2024-06-04@shop.example>\")",
    bodystructure:
      "((\"text\" \"plain\" (\"charset\" \"utf-8\") NIL NIL \"quoted-printable\" 95 3 NIL NIL NIL NIL)(\"text\" \"html\" (\"charset\" \"utf-8\") NIL NIL \"quoted-printable\" 81 0 NIL NIL NIL NIL) \"alternative\" (\"boundary\" \"=_alt_b1\") NIL NIL NIL)",
    body:
      "((\"text\" \"plain\" (\"charset\" \"utf-8\") NIL NIL \"quoted-printable\" 95 3)(\"text\" \"html\" (\"charset\" \"utf-8\") NIL NIL \"quoted-printable\" 81 0) \"alternative\")",
    sections: {
      "": [757, "8a4a537a290a"], "HEADER": [313, "e255a14f9a20"], "TEXT": [444, "afbd509350d6"], "1.1.1": [0, "e3b0c44298fc"],
      "1.2": [0, "e3b0c44298fc"], "2.1.1": [0, "e3b0c44298fc"], "2.1.MIME": [87, "56e10956ab1b"], "2.HEADER": [0, "e3b0c44298fc"],
      "2.TEXT": [0, "e3b0c44298fc"], "1.1.MIME": [88, "5c2c2980c048"], "2.1.1.1": [0, "e3b0c44298fc"], "3.1.1": [0, "e3b0c44298fc"],
      "1": [95, "591ea7b1839d"], "1.MIME": [88, "5c2c2980c048"], "1.HEADER": [0, "e3b0c44298fc"], "1.TEXT": [0, "e3b0c44298fc"],
      "2": [81, "8779b2d893aa"], "2.MIME": [87, "56e10956ab1b"], "3": [0, "e3b0c44298fc"], "3.MIME": [0, "e3b0c44298fc"],
      "3.HEADER": [0, "e3b0c44298fc"], "3.TEXT": [0, "e3b0c44298fc"], "3.1": [0, "e3b0c44298fc"], "3.1.MIME": [0, "e3b0c44298fc"],
      "3.2": [0, "e3b0c44298fc"], "3.2.MIME": [0, "e3b0c44298fc"], "3.3": [0, "e3b0c44298fc"], "4": [0, "e3b0c44298fc"],
      "HEADER.FIELDS (FROM SUBJECT MESSAGE-ID)": [142, "c2b2353e71e6"], "HEADER.FIELDS.NOT (RECEIVED RETURN-PATH DATE)": [274, "338fb1d5d3d9"], "3.HEADER.FIELDS (SUBJECT)": [0, "e3b0c44298fc"], "1.1": [95, "591ea7b1839d"],
      "2.1": [81, "8779b2d893aa"], "2.2": [0, "e3b0c44298fc"], "<5>": [10, "7531fc2f1f1f"], "TEXT<0>": [4, "86e1de74820a"],
    },
    binary: {
      "": [720, "acbb86c13ac8"], "1": [84, "06251afbeefe"], "2": [75, "eddf827f5b87"], "3": [0, "e3b0c44298fc"],
      "1.1": [84, "06251afbeefe"], "3.1": [0, "e3b0c44298fc"],
    },
  },
  mixed: {
    envelope:
      "(\"Wed, 5 Jun 2024 16:42:10 +0100\" \"Re: quarterly report\" ((\"Dave\" NIL \"dave\" \"example.co.uk\")) ((\"Assistant\" NIL \"assistant\" \"example.co.uk\")) ((\"Dave\" NIL \"dave\" \"example.co.uk\")) ((\"Eve\" NIL \"eve\" \"example.com\")(NIL NIL \"frank\" \"example.com\")) ((\"Grace Hopper\" NIL \"grace\" \"example.com\")) ((NIL NIL \"audit\" \"example.co.uk\")) \"<prev-1@example.com>\" \"<CAF=mixed.42@example.co.uk>\")",
    bodystructure:
      "((\"text\" \"plain\" (\"charset\" \"us-ascii\") NIL NIL \"7bit\" 50 1 NIL NIL NIL NIL)(\"application\" \"pdf\" (\"name\" \"report Q2.pdf\") \"<part2.report@example.co.uk>\" \"Quarterly report\" \"base64\" 110 \"Q2hlY2sgSW50ZWdyaXR5IQ==\" (\"attachment\" (\"filename\" \"report Q2.pdf\" \"size\" \"85\")) (\"en-GB\" \"fr\") \"https://example.co.uk/r/q2.pdf\")(\"message\" \"rfc822\" NIL NIL NIL \"7bit\" 371 (\"Mon, 3 Jun 2024 10:00:00 +0000\" \"quarterly report\" ((\"Heidi\" NIL \"heidi\" \"example.org\")) ((\"Heidi\" NIL \"heidi\" \"example.org\")) ((\"Heidi\" NIL \"heidi\" \"example.org\")) ((NIL NIL \"dave\" \"example.co.uk\")) NIL NIL NIL \"<inner-1@example.org>\") ((\"text\" \"plain\" (\"charset\" \"us-ascii\") NIL NIL \"7bit\" 18 0 NIL NIL NIL NIL)(\"text\" \"html\" (\"charset\" \"us-ascii\") NIL NIL \"7bit\" 34 1 NIL NIL NIL NIL) \"alternative\" (\"boundary\" \"inner\") NIL NIL NIL) 18 NIL (\"inline\" NIL) NIL NIL) \"mixed\" (\"boundary\" \"outer-XYZ\") NIL NIL NIL)",
    body:
      "((\"text\" \"plain\" (\"charset\" \"us-ascii\") NIL NIL \"7bit\" 50 1)(\"application\" \"pdf\" (\"name\" \"report Q2.pdf\") \"<part2.report@example.co.uk>\" \"Quarterly report\" \"base64\" 110)(\"message\" \"rfc822\" NIL NIL NIL \"7bit\" 371 (\"Mon, 3 Jun 2024 10:00:00 +0000\" \"quarterly report\" ((\"Heidi\" NIL \"heidi\" \"example.org\")) ((\"Heidi\" NIL \"heidi\" \"example.org\")) ((\"Heidi\" NIL \"heidi\" \"example.org\")) ((NIL NIL \"dave\" \"example.co.uk\")) NIL NIL NIL \"<inner-1@example.org>\") ((\"text\" \"plain\" (\"charset\" \"us-ascii\") NIL NIL \"7bit\" 18 0)(\"text\" \"html\" (\"charset\" \"us-ascii\") NIL NIL \"7bit\" 34 1) \"alternative\") 18) \"mixed\")",
    sections: {
      "": [1492, "1bd3d556f290"], "HEADER": [412, "0658627f3ef7"], "TEXT": [1080, "0a56cc6abb3f"], "1.1.1": [0, "e3b0c44298fc"],
      "1.2": [0, "e3b0c44298fc"], "2.1.1": [0, "e3b0c44298fc"], "2.1.MIME": [357, "04c8e3e59ffc"], "2.HEADER": [0, "e3b0c44298fc"],
      "2.TEXT": [0, "e3b0c44298fc"], "1.1.MIME": [46, "82ead7a006c5"], "2.1.1.1": [0, "e3b0c44298fc"], "3.1.1": [18, "8b4dd2921254"],
      "1": [50, "783726bdb4cf"], "1.MIME": [46, "82ead7a006c5"], "1.HEADER": [0, "e3b0c44298fc"], "1.TEXT": [0, "e3b0c44298fc"],
      "2": [110, "a5b298ddf641"], "2.MIME": [357, "04c8e3e59ffc"], "3": [371, "d52b8538b028"], "3.MIME": [61, "97e018d5cbdf"],
      "3.HEADER": [231, "bcaf8bd304ee"], "3.TEXT": [140, "dec329509d5e"], "3.1": [18, "8b4dd2921254"], "3.1.MIME": [28, "c3204dd99ab0"],
      "3.2": [34, "53461f39c297"], "3.2.MIME": [27, "638f2911b98f"], "3.3": [0, "e3b0c44298fc"], "4": [0, "e3b0c44298fc"],
      "HEADER.FIELDS (FROM SUBJECT MESSAGE-ID)": [108, "b85c9634313d"], "HEADER.FIELDS.NOT (RECEIVED RETURN-PATH DATE)": [374, "a5fb04735806"], "3.HEADER.FIELDS (SUBJECT)": [29, "b9ce1872383e"], "1.1": [50, "783726bdb4cf"],
      "2.1": [110, "a5b298ddf641"], "2.2": [0, "e3b0c44298fc"], "<5>": [10, "cc5299333d6a"], "TEXT<0>": [4, "2259282364f1"],
    },
    binary: {
      "": [1462, "6aeaf3a3ec0a"], "1": [50, "783726bdb4cf"], "2": [80, "d29545d7d1e6"], "3": [371, "d52b8538b028"],
      "1.1": [50, "783726bdb4cf"], "3.1": [18, "8b4dd2921254"],
    },
  },
  encoded: {
    envelope:
      "(\"Thu, 06 Jun 2024 12:00:00 +0900\" {44}\r\n=?UTF-8?B?44GT44KT44Gr44Gh44Gv?= and Grüße ((\"=?ISO-8859-1?Q?Andr=E9?= Pirard\" NIL \"PIRARD\" \"vm1.ulg.ac.be\")) ((\"=?ISO-8859-1?Q?Andr=E9?= Pirard\" NIL \"PIRARD\" \"vm1.ulg.ac.be\")) ((\"=?ISO-8859-1?Q?Andr=E9?= Pirard\" NIL \"PIRARD\" \"vm1.ulg.ac.be\")) (({13}\r\nJörg Müller NIL \"joerg\" {15}\r\nmüller.example)(\"=?UTF-8?B?5bGx55Sw?=\" NIL \"yamada\" \"example.jp\")) NIL NIL NIL \"<enc-1@example.jp>\")",
    bodystructure:
      "(\"text\" \"plain\" (\"charset\" \"UTF-8\") NIL NIL \"8bit\" 29 1 NIL NIL NIL NIL)",
    body:
      "(\"text\" \"plain\" (\"charset\" \"UTF-8\") NIL NIL \"8bit\" 29 1)",
    sections: {
      "": [397, "7c2d157bef7a"], "HEADER": [368, "a6293cb94910"], "TEXT": [29, "bfbf186bfef7"], "1.1.1": [0, "e3b0c44298fc"],
      "1.2": [0, "e3b0c44298fc"], "2.1.1": [0, "e3b0c44298fc"], "2.1.MIME": [0, "e3b0c44298fc"], "2.HEADER": [0, "e3b0c44298fc"],
      "2.TEXT": [0, "e3b0c44298fc"], "1.1.MIME": [0, "e3b0c44298fc"], "2.1.1.1": [0, "e3b0c44298fc"], "3.1.1": [0, "e3b0c44298fc"],
      "1": [29, "bfbf186bfef7"], "1.MIME": [368, "a6293cb94910"], "1.HEADER": [0, "e3b0c44298fc"], "1.TEXT": [0, "e3b0c44298fc"],
      "2": [0, "e3b0c44298fc"], "2.MIME": [0, "e3b0c44298fc"], "3": [0, "e3b0c44298fc"], "3.MIME": [0, "e3b0c44298fc"],
      "3.HEADER": [0, "e3b0c44298fc"], "3.TEXT": [0, "e3b0c44298fc"], "3.1": [0, "e3b0c44298fc"], "3.1.MIME": [0, "e3b0c44298fc"],
      "3.2": [0, "e3b0c44298fc"], "3.2.MIME": [0, "e3b0c44298fc"], "3.3": [0, "e3b0c44298fc"], "4": [0, "e3b0c44298fc"],
      "HEADER.FIELDS (FROM SUBJECT MESSAGE-ID)": [151, "6fa4b6e85ef8"], "HEADER.FIELDS.NOT (RECEIVED RETURN-PATH DATE)": [329, "a6814812efad"], "3.HEADER.FIELDS (SUBJECT)": [0, "e3b0c44298fc"], "1.1": [0, "e3b0c44298fc"],
      "2.1": [0, "e3b0c44298fc"], "2.2": [0, "e3b0c44298fc"], "<5>": [10, "317c8020dd3b"], "TEXT<0>": [4, "7141aff8bf4c"],
    },
    binary: {
      "": [397, "7c2d157bef7a"], "1": [29, "bfbf186bfef7"], "2": [0, "e3b0c44298fc"], "3": [0, "e3b0c44298fc"],
      "1.1": [0, "e3b0c44298fc"], "3.1": [0, "e3b0c44298fc"],
    },
  },
  groups: {
    envelope:
      "(\"7 Jun 2024 09:00 GMT\" \"groups\" ((\"Pete\" NIL \"pete\" \"silly.test\")) ((\"Pete\" NIL \"pete\" \"silly.test\")) ((NIL NIL \"john..doe\" \"example.net\")) ((NIL NIL \"A Group\" NIL)(\"Ed Jones\" NIL \"c\" \"a.test\")(NIL NIL \"joe\" \"where.test\")(\"John\" NIL \"jdoe\" \"one.test\")(NIL NIL NIL NIL)) ((NIL NIL \"undisclosed-recipients\" NIL)(NIL NIL NIL NIL)(\"Mary Smith: Personal Account\" NIL \"smith\" \"home.example\")) ((NIL \"@route1.test,@route2.test\" \"jdoe\" \"example.org\")(\"Joe Q. Public\" NIL \"john.q.public\" \"example.com\")) NIL \"   <testabcd.1234@silly.test>\")",
    bodystructure:
      "(\"text\" \"plain\" (\"charset\" \"us-ascii\") NIL NIL \"7bit\" 6 1 NIL NIL NIL NIL)",
    body:
      "(\"text\" \"plain\" (\"charset\" \"us-ascii\") NIL NIL \"7bit\" 6 1)",
    sections: {
      "": [450, "430430f09454"], "HEADER": [444, "0e0fd01bc2c4"], "TEXT": [6, "0a4e52a11356"], "1.1.1": [0, "e3b0c44298fc"],
      "1.2": [0, "e3b0c44298fc"], "2.1.1": [0, "e3b0c44298fc"], "2.1.MIME": [0, "e3b0c44298fc"], "2.HEADER": [0, "e3b0c44298fc"],
      "2.TEXT": [0, "e3b0c44298fc"], "1.1.MIME": [0, "e3b0c44298fc"], "2.1.1.1": [0, "e3b0c44298fc"], "3.1.1": [0, "e3b0c44298fc"],
      "1": [6, "0a4e52a11356"], "1.MIME": [444, "0e0fd01bc2c4"], "1.HEADER": [0, "e3b0c44298fc"], "1.TEXT": [0, "e3b0c44298fc"],
      "2": [0, "e3b0c44298fc"], "2.MIME": [0, "e3b0c44298fc"], "3": [0, "e3b0c44298fc"], "3.MIME": [0, "e3b0c44298fc"],
      "3.HEADER": [0, "e3b0c44298fc"], "3.TEXT": [0, "e3b0c44298fc"], "3.1": [0, "e3b0c44298fc"], "3.1.MIME": [0, "e3b0c44298fc"],
      "3.2": [0, "e3b0c44298fc"], "3.2.MIME": [0, "e3b0c44298fc"], "3.3": [0, "e3b0c44298fc"], "4": [0, "e3b0c44298fc"],
      "HEADER.FIELDS (FROM SUBJECT MESSAGE-ID)": [132, "6efb4b8fab03"], "HEADER.FIELDS.NOT (RECEIVED RETURN-PATH DATE)": [416, "65f14c7ecf4c"], "3.HEADER.FIELDS (SUBJECT)": [0, "e3b0c44298fc"], "1.1": [0, "e3b0c44298fc"],
      "2.1": [0, "e3b0c44298fc"], "2.2": [0, "e3b0c44298fc"], "<5>": [10, "b4f7b2830ecb"], "TEXT<0>": [4, "230d8358dc8e"],
    },
    binary: {
      "": [450, "430430f09454"], "1": [6, "0a4e52a11356"], "2": [0, "e3b0c44298fc"], "3": [0, "e3b0c44298fc"],
      "1.1": [0, "e3b0c44298fc"], "3.1": [0, "e3b0c44298fc"],
    },
  },
  noContentType: {
    envelope:
      "(NIL \"no mime\" ((NIL NIL \"old\" \"example.org\")) ((NIL NIL \"old\" \"example.org\")) ((NIL NIL \"old\" \"example.org\")) NIL NIL NIL NIL NIL)",
    bodystructure:
      "(\"text\" \"plain\" (\"charset\" \"us-ascii\") NIL NIL \"7bit\" 20 2 NIL NIL NIL NIL)",
    body:
      "(\"text\" \"plain\" (\"charset\" \"us-ascii\") NIL NIL \"7bit\" 20 2)",
    sections: {
      "": [63, "4cbfba4de110"], "HEADER": [43, "9102d14ec437"], "TEXT": [20, "6612d9c94c2d"], "1.1.1": [0, "e3b0c44298fc"],
      "1.2": [0, "e3b0c44298fc"], "2.1.1": [0, "e3b0c44298fc"], "2.1.MIME": [0, "e3b0c44298fc"], "2.HEADER": [0, "e3b0c44298fc"],
      "2.TEXT": [0, "e3b0c44298fc"], "1.1.MIME": [0, "e3b0c44298fc"], "2.1.1.1": [0, "e3b0c44298fc"], "3.1.1": [0, "e3b0c44298fc"],
      "1": [20, "6612d9c94c2d"], "1.MIME": [43, "9102d14ec437"], "1.HEADER": [0, "e3b0c44298fc"], "1.TEXT": [0, "e3b0c44298fc"],
      "2": [0, "e3b0c44298fc"], "2.MIME": [0, "e3b0c44298fc"], "3": [0, "e3b0c44298fc"], "3.MIME": [0, "e3b0c44298fc"],
      "3.HEADER": [0, "e3b0c44298fc"], "3.TEXT": [0, "e3b0c44298fc"], "3.1": [0, "e3b0c44298fc"], "3.1.MIME": [0, "e3b0c44298fc"],
      "3.2": [0, "e3b0c44298fc"], "3.2.MIME": [0, "e3b0c44298fc"], "3.3": [0, "e3b0c44298fc"], "4": [0, "e3b0c44298fc"],
      "HEADER.FIELDS (FROM SUBJECT MESSAGE-ID)": [43, "9102d14ec437"], "HEADER.FIELDS.NOT (RECEIVED RETURN-PATH DATE)": [43, "9102d14ec437"], "3.HEADER.FIELDS (SUBJECT)": [0, "e3b0c44298fc"], "1.1": [0, "e3b0c44298fc"],
      "2.1": [0, "e3b0c44298fc"], "2.2": [0, "e3b0c44298fc"], "<5>": [10, "394c35aa6d6a"], "TEXT<0>": [4, "38a9c1e72158"],
    },
    binary: {
      "": [63, "4cbfba4de110"], "1": [20, "6612d9c94c2d"], "2": [0, "e3b0c44298fc"], "3": [0, "e3b0c44298fc"],
      "1.1": [0, "e3b0c44298fc"], "3.1": [0, "e3b0c44298fc"],
    },
  },
  brokenBoundary: {
    envelope:
      "(NIL \"broken\" ((NIL NIL \"broken\" \"example.org\")) ((NIL NIL \"broken\" \"example.org\")) ((NIL NIL \"broken\" \"example.org\")) NIL NIL NIL NIL NIL)",
    bodystructure:
      "((\"text\" \"plain\" (\"charset\" \"us-ascii\") NIL NIL \"7bit\" 0 0 NIL NIL NIL NIL) \"mixed\" (\"boundary\" \"never-used\") NIL NIL NIL)",
    body:
      "((\"text\" \"plain\" (\"charset\" \"us-ascii\") NIL NIL \"7bit\" 0 0) \"mixed\")",
    sections: {
      "": [173, "eadcf3ac7617"], "HEADER": [118, "d45a6b419915"], "TEXT": [55, "6f02a7a2789d"], "1.1.1": [0, "e3b0c44298fc"],
      "1.2": [0, "e3b0c44298fc"], "2.1.1": [0, "e3b0c44298fc"], "2.1.MIME": [0, "e3b0c44298fc"], "2.HEADER": [0, "e3b0c44298fc"],
      "2.TEXT": [0, "e3b0c44298fc"], "1.1.MIME": [0, "e3b0c44298fc"], "2.1.1.1": [0, "e3b0c44298fc"], "3.1.1": [0, "e3b0c44298fc"],
      "1": [0, "e3b0c44298fc"], "1.MIME": [0, "e3b0c44298fc"], "1.HEADER": [0, "e3b0c44298fc"], "1.TEXT": [0, "e3b0c44298fc"],
      "2": [0, "e3b0c44298fc"], "2.MIME": [0, "e3b0c44298fc"], "3": [0, "e3b0c44298fc"], "3.MIME": [0, "e3b0c44298fc"],
      "3.HEADER": [0, "e3b0c44298fc"], "3.TEXT": [0, "e3b0c44298fc"], "3.1": [0, "e3b0c44298fc"], "3.1.MIME": [0, "e3b0c44298fc"],
      "3.2": [0, "e3b0c44298fc"], "3.2.MIME": [0, "e3b0c44298fc"], "3.3": [0, "e3b0c44298fc"], "4": [0, "e3b0c44298fc"],
      "HEADER.FIELDS (FROM SUBJECT MESSAGE-ID)": [45, "fa0c8b4357a4"], "HEADER.FIELDS.NOT (RECEIVED RETURN-PATH DATE)": [118, "d45a6b419915"], "3.HEADER.FIELDS (SUBJECT)": [0, "e3b0c44298fc"], "1.1": [0, "e3b0c44298fc"],
      "2.1": [0, "e3b0c44298fc"], "2.2": [0, "e3b0c44298fc"], "<5>": [10, "af857eb86420"], "TEXT<0>": [4, "08eecca30f83"],
    },
    binary: {
      "": [173, "eadcf3ac7617"], "1": [0, "e3b0c44298fc"], "2": [0, "e3b0c44298fc"], "3": [0, "e3b0c44298fc"],
      "1.1": [0, "e3b0c44298fc"], "3.1": [0, "e3b0c44298fc"],
    },
  },
  noBoundary: {
    envelope:
      "(NIL \"no boundary\" ((NIL NIL \"broken\" \"example.org\")) ((NIL NIL \"broken\" \"example.org\")) ((NIL NIL \"broken\" \"example.org\")) NIL NIL NIL NIL NIL)",
    bodystructure:
      "((\"text\" \"plain\" (\"charset\" \"us-ascii\") NIL NIL \"7bit\" 0 0 NIL NIL NIL NIL) \"mixed\" NIL NIL NIL NIL)",
    body:
      "((\"text\" \"plain\" (\"charset\" \"us-ascii\") NIL NIL \"7bit\" 0 0) \"mixed\")",
    sections: {
      "": [111, "273dd2d4a1d3"], "HEADER": [100, "8ca94154783b"], "TEXT": [11, "adefb60e9ced"], "1.1.1": [0, "e3b0c44298fc"],
      "1.2": [0, "e3b0c44298fc"], "2.1.1": [0, "e3b0c44298fc"], "2.1.MIME": [0, "e3b0c44298fc"], "2.HEADER": [0, "e3b0c44298fc"],
      "2.TEXT": [0, "e3b0c44298fc"], "1.1.MIME": [0, "e3b0c44298fc"], "2.1.1.1": [0, "e3b0c44298fc"], "3.1.1": [0, "e3b0c44298fc"],
      "1": [0, "e3b0c44298fc"], "1.MIME": [0, "e3b0c44298fc"], "1.HEADER": [0, "e3b0c44298fc"], "1.TEXT": [0, "e3b0c44298fc"],
      "2": [0, "e3b0c44298fc"], "2.MIME": [0, "e3b0c44298fc"], "3": [0, "e3b0c44298fc"], "3.MIME": [0, "e3b0c44298fc"],
      "3.HEADER": [0, "e3b0c44298fc"], "3.TEXT": [0, "e3b0c44298fc"], "3.1": [0, "e3b0c44298fc"], "3.1.MIME": [0, "e3b0c44298fc"],
      "3.2": [0, "e3b0c44298fc"], "3.2.MIME": [0, "e3b0c44298fc"], "3.3": [0, "e3b0c44298fc"], "4": [0, "e3b0c44298fc"],
      "HEADER.FIELDS (FROM SUBJECT MESSAGE-ID)": [50, "291bcb743f60"], "HEADER.FIELDS.NOT (RECEIVED RETURN-PATH DATE)": [100, "8ca94154783b"], "3.HEADER.FIELDS (SUBJECT)": [0, "e3b0c44298fc"], "1.1": [0, "e3b0c44298fc"],
      "2.1": [0, "e3b0c44298fc"], "2.2": [0, "e3b0c44298fc"], "<5>": [10, "af857eb86420"], "TEXT<0>": [4, "b2c66dfd45dd"],
    },
    binary: {
      "": [111, "273dd2d4a1d3"], "1": [0, "e3b0c44298fc"], "2": [0, "e3b0c44298fc"], "3": [0, "e3b0c44298fc"],
      "1.1": [0, "e3b0c44298fc"], "3.1": [0, "e3b0c44298fc"],
    },
  },
  unterminated: {
    envelope:
      "(NIL \"cut\" ((NIL NIL \"cut\" \"example.org\")) ((NIL NIL \"cut\" \"example.org\")) ((NIL NIL \"cut\" \"example.org\")) NIL NIL NIL NIL NIL)",
    bodystructure:
      "((\"text\" \"plain\" (\"charset\" \"us-ascii\") NIL NIL \"7bit\" 5 0 NIL NIL NIL NIL)(\"text\" \"plain\" (\"charset\" \"us-ascii\") NIL NIL \"7bit\" 20 0 NIL NIL NIL NIL) \"mixed\" (\"boundary\" \"zz\") NIL NIL NIL)",
    body:
      "((\"text\" \"plain\" (\"charset\" \"us-ascii\") NIL NIL \"7bit\" 5 0)(\"text\" \"plain\" (\"charset\" \"us-ascii\") NIL NIL \"7bit\" 20 0) \"mixed\")",
    sections: {
      "": [197, "7aeb9b85209d"], "HEADER": [102, "6cd19d76c2dc"], "TEXT": [95, "779aa1fbdfc7"], "1.1.1": [0, "e3b0c44298fc"],
      "1.2": [0, "e3b0c44298fc"], "2.1.1": [0, "e3b0c44298fc"], "2.1.MIME": [28, "c3204dd99ab0"], "2.HEADER": [0, "e3b0c44298fc"],
      "2.TEXT": [0, "e3b0c44298fc"], "1.1.MIME": [28, "c3204dd99ab0"], "2.1.1.1": [0, "e3b0c44298fc"], "3.1.1": [0, "e3b0c44298fc"],
      "1": [5, "a7937b64b8ca"], "1.MIME": [28, "c3204dd99ab0"], "1.HEADER": [0, "e3b0c44298fc"], "1.TEXT": [0, "e3b0c44298fc"],
      "2": [20, "a80db9c440c8"], "2.MIME": [28, "c3204dd99ab0"], "3": [0, "e3b0c44298fc"], "3.MIME": [0, "e3b0c44298fc"],
      "3.HEADER": [0, "e3b0c44298fc"], "3.TEXT": [0, "e3b0c44298fc"], "3.1": [0, "e3b0c44298fc"], "3.1.MIME": [0, "e3b0c44298fc"],
      "3.2": [0, "e3b0c44298fc"], "3.2.MIME": [0, "e3b0c44298fc"], "3.3": [0, "e3b0c44298fc"], "4": [0, "e3b0c44298fc"],
      "HEADER.FIELDS (FROM SUBJECT MESSAGE-ID)": [39, "45a12554ba0c"], "HEADER.FIELDS.NOT (RECEIVED RETURN-PATH DATE)": [102, "6cd19d76c2dc"], "3.HEADER.FIELDS (SUBJECT)": [0, "e3b0c44298fc"], "1.1": [5, "a7937b64b8ca"],
      "2.1": [20, "a80db9c440c8"], "2.2": [0, "e3b0c44298fc"], "<5>": [10, "6a559a861ace"], "TEXT<0>": [4, "ec4992e9df91"],
    },
    binary: {
      "": [197, "7aeb9b85209d"], "1": [5, "a7937b64b8ca"], "2": [20, "a80db9c440c8"], "3": [0, "e3b0c44298fc"],
      "1.1": [5, "a7937b64b8ca"], "3.1": [0, "e3b0c44298fc"],
    },
  },
  quirks: {
    envelope:
      "(\"Fri, 7 Jun 2024 10:00:00 +0000 (UTC)\" {14}\r\ntrailing space ((NIL NIL \"first\" \"example.org\")(NIL NIL \"second\" \"example.org\")) ((NIL NIL \"first\" \"example.org\")(NIL NIL \"second\" \"example.org\")) ((NIL NIL \"first\" \"example.org\")(NIL NIL \"second\" \"example.org\")) NIL ((NIL NIL \"MISSING_MAILBOX\" \"MISSING_DOMAIN\")(NIL NIL \"MISSING_MAILBOX\" \"MISSING_DOMAIN\")(NIL NIL \"MISSING_MAILBOX\" \"MISSING_DOMAIN\")) NIL \"<a@b> (comment) <c@d>\" NIL)",
    bodystructure:
      "((\"Text\" \"PLAIN\" (\"CharSet\" \"ISO-8859-1\" \"NAME\" \"x y.txt\") NIL NIL \"BASE64\" 16 0 NIL (\"ATTACHMENT\" (\"FileName*\" \"utf-8''%E2%82%AC%20rates.txt\")) (\"de\") NIL)(\"message\" \"rfc822\" NIL NIL NIL \"8bit\" 42 (NIL \"inner without blank line at end\" NIL NIL NIL NIL NIL NIL NIL NIL) (\"text\" \"plain\" (\"charset\" \"us-ascii\") NIL NIL \"7bit\" 0 0 NIL NIL NIL NIL) 1 NIL NIL NIL NIL)((\"message\" \"rfc822\" NIL NIL NIL \"7bit\" 35 (NIL \"digest entry\" NIL NIL NIL NIL NIL NIL NIL NIL) (\"text\" \"plain\" (\"charset\" \"us-ascii\") NIL NIL \"7bit\" 10 0 NIL NIL NIL NIL) 2 NIL NIL NIL NIL)(\"text\" \"plain\" (\"charset\" \"us-ascii\") NIL NIL \"7bit\" 11 0 NIL NIL NIL NIL) \"digest\" (\"boundary\" \"d\") NIL NIL NIL)(\"application\" \"octet-stream\" NIL NIL NIL \"x-uuencode\" 16 NIL NIL NIL NIL)(\"text\" \"plain\" (\"charset\" \"utf-8\") NIL NIL \"quoted-printable\" 28 2 NIL NIL NIL NIL) \"MIXED\" (\"BOUNDARY\" \"b \\\"q\\\"\") NIL NIL NIL)",
    body:
      "((\"Text\" \"PLAIN\" (\"CharSet\" \"ISO-8859-1\" \"NAME\" \"x y.txt\") NIL NIL \"BASE64\" 16 0)(\"message\" \"rfc822\" NIL NIL NIL \"8bit\" 42 (NIL \"inner without blank line at end\" NIL NIL NIL NIL NIL NIL NIL NIL) (\"text\" \"plain\" (\"charset\" \"us-ascii\") NIL NIL \"7bit\" 0 0) 1)((\"message\" \"rfc822\" NIL NIL NIL \"7bit\" 35 (NIL \"digest entry\" NIL NIL NIL NIL NIL NIL NIL NIL) (\"text\" \"plain\" (\"charset\" \"us-ascii\") NIL NIL \"7bit\" 10 0) 2)(\"text\" \"plain\" (\"charset\" \"us-ascii\") NIL NIL \"7bit\" 11 0) \"digest\")(\"application\" \"octet-stream\" NIL NIL NIL \"x-uuencode\" 16)(\"text\" \"plain\" (\"charset\" \"utf-8\") NIL NIL \"quoted-printable\" 28 2) \"MIXED\")",
    sections: {
      "": [996, "226a6e23c8b9"], "HEADER": [259, "c962d83c0fbd"], "TEXT": [737, "cfce20a5fa1b"], "1.1.1": [0, "e3b0c44298fc"],
      "1.2": [0, "e3b0c44298fc"], "2.1.1": [0, "e3b0c44298fc"], "2.1.MIME": [40, "357bb10a0c46"], "2.HEADER": [40, "357bb10a0c46"],
      "2.TEXT": [0, "e3b0c44298fc"], "1.1.MIME": [198, "8eb79c0228d5"], "2.1.1.1": [0, "e3b0c44298fc"], "3.1.1": [10, "5c2c2fc4d7af"],
      "1": [16, "24a5b4925ab7"], "1.MIME": [198, "8eb79c0228d5"], "1.HEADER": [0, "e3b0c44298fc"], "1.TEXT": [0, "e3b0c44298fc"],
      "2": [42, "9b6a28738c1a"], "2.MIME": [65, "2113f37fa8e8"], "3": [97, "f201139c7779"], "3.MIME": [46, "a07f40c54a2e"],
      "3.HEADER": [0, "e3b0c44298fc"], "3.TEXT": [0, "e3b0c44298fc"], "3.1": [35, "e7704e32a3d0"], "3.1.MIME": [2, "7eb70257593d"],
      "3.2": [11, "534d20bda1c0"], "3.2.MIME": [28, "c3204dd99ab0"], "3.3": [0, "e3b0c44298fc"], "4": [16, "75bffe640987"],
      "HEADER.FIELDS (FROM SUBJECT MESSAGE-ID)": [81, "170346741010"], "HEADER.FIELDS.NOT (RECEIVED RETURN-PATH DATE)": [215, "4f38c5fca13e"], "3.HEADER.FIELDS (SUBJECT)": [0, "e3b0c44298fc"], "1.1": [16, "24a5b4925ab7"],
      "2.1": [0, "e3b0c44298fc"], "2.2": [0, "e3b0c44298fc"], "<5>": [10, "4dbf0d3eb73c"], "TEXT<0>": [4, "e87c950737ae"],
    },
    binary: {
      "1": [12, "a948904f2f0f"], "2": [42, "9b6a28738c1a"], "3": [97, "f201139c7779"], "1.1": [12, "a948904f2f0f"],
      "3.1": [35, "e7704e32a3d0"],
    },
  },
  forward: {
    envelope:
      "(\"\" \"\" ((NIL NIL \"fwd\" \"example.org\")) ((NIL NIL \"fwd\" \"example.org\")) ((NIL NIL \"fwd\" \"example.org\")) ((NIL NIL \"empty-name\" \"example.org\")(NIL NIL \"MISSING_MAILBOX\" \"MISSING_DOMAIN\")(\"Plain Person\" NIL \"plain\" \"example.org\")(\"Name\" \"INVALID_ROUTE\" \"MISSING_MAILBOX\" \"MISSING_DOMAIN\")(NIL NIL \"bare\" \"MISSING_DOMAIN\")) ((\"Smith, John\" NIL \"john\" \"example.org\")(\"John Q Smith\" NIL \"jqs\" \"[192.0.2.1]\")) NIL NIL NIL)",
    bodystructure:
      "((\"text\" \"html\" (\"name\" \"page.html\" \"charset\" \"us-ascii\") NIL NIL \"7bit\" 9 0 NIL NIL NIL NIL)(\"message\" \"rfc822\" NIL NIL NIL \"7bit\" 71 (NIL \"original\" ((NIL NIL \"orig\" \"example.org\")) ((NIL NIL \"orig\" \"example.org\")) ((NIL NIL \"orig\" \"example.org\")) NIL NIL NIL NIL NIL) (\"text\" \"plain\" (\"charset\" \"us-ascii\") NIL NIL \"7bit\" 26 2 NIL NIL NIL NIL) 5 NIL NIL NIL NIL)(\"text\" \"\" (\"charset\" \"us-ascii\") NIL NIL \"7bit\" 12 0 NIL NIL NIL NIL) \"mixed\" (\"boundary\" \"fw\") NIL NIL NIL)",
    body:
      "((\"text\" \"html\" (\"name\" \"page.html\" \"charset\" \"us-ascii\") NIL NIL \"7bit\" 9 0)(\"message\" \"rfc822\" NIL NIL NIL \"7bit\" 71 (NIL \"original\" ((NIL NIL \"orig\" \"example.org\")) ((NIL NIL \"orig\" \"example.org\")) ((NIL NIL \"orig\" \"example.org\")) NIL NIL NIL NIL NIL) (\"text\" \"plain\" (\"charset\" \"us-ascii\") NIL NIL \"7bit\" 26 2) 5)(\"text\" \"\" (\"charset\" \"us-ascii\") NIL NIL \"7bit\" 12 0) \"mixed\")",
    sections: {
      "": [517, "0edb324bcfa4"], "HEADER": [270, "ee93df3a9748"], "TEXT": [247, "ad86a43a68d4"], "1.1.1": [0, "e3b0c44298fc"],
      "1.2": [0, "e3b0c44298fc"], "2.1.1": [0, "e3b0c44298fc"], "2.1.MIME": [45, "012c7c0af273"], "2.HEADER": [45, "012c7c0af273"],
      "2.TEXT": [26, "232ed1ea5013"], "1.1.MIME": [69, "646489c75361"], "2.1.1.1": [0, "e3b0c44298fc"], "3.1.1": [0, "e3b0c44298fc"],
      "1": [9, "0a4735281db7"], "1.MIME": [69, "646489c75361"], "1.HEADER": [0, "e3b0c44298fc"], "1.TEXT": [0, "e3b0c44298fc"],
      "2": [71, "e22482943ca8"], "2.MIME": [32, "94984f8e2969"], "3": [12, "da59f63c3702"], "3.MIME": [22, "a550f316e94b"],
      "3.HEADER": [0, "e3b0c44298fc"], "3.TEXT": [0, "e3b0c44298fc"], "3.1": [12, "da59f63c3702"], "3.1.MIME": [22, "a550f316e94b"],
      "3.2": [0, "e3b0c44298fc"], "3.2.MIME": [0, "e3b0c44298fc"], "3.3": [0, "e3b0c44298fc"], "4": [0, "e3b0c44298fc"],
      "HEADER.FIELDS (FROM SUBJECT MESSAGE-ID)": [35, "66088c0d12f5"], "HEADER.FIELDS.NOT (RECEIVED RETURN-PATH DATE)": [263, "8b48fd24eb30"], "3.HEADER.FIELDS (SUBJECT)": [0, "e3b0c44298fc"], "1.1": [9, "0a4735281db7"],
      "2.1": [26, "232ed1ea5013"], "2.2": [0, "e3b0c44298fc"], "<5>": [10, "91ddbe7b874e"], "TEXT<0>": [4, "5207514a961a"],
    },
    binary: {
      "": [517, "0edb324bcfa4"], "1": [9, "0a4735281db7"], "2": [71, "e22482943ca8"], "3": [12, "da59f63c3702"],
      "1.1": [9, "0a4735281db7"], "3.1": [12, "da59f63c3702"],
    },
  },
  wrapped: {
    envelope:
      "(NIL \"wrapper\" ((NIL NIL \"wrapper\" \"example.org\")) ((NIL NIL \"wrapper\" \"example.org\")) ((NIL NIL \"wrapper\" \"example.org\")) NIL NIL NIL NIL NIL)",
    bodystructure:
      "(\"message\" \"rfc822\" NIL NIL NIL \"7bit\" 131 (NIL \"inner\" ((NIL NIL \"inner\" \"example.org\")) ((NIL NIL \"inner\" \"example.org\")) ((NIL NIL \"inner\" \"example.org\")) NIL NIL NIL NIL NIL) ((\"text\" \"plain\" (\"charset\" \"us-ascii\") NIL NIL \"7bit\" 7 0 NIL NIL NIL NIL)(\"text\" \"plain\" (\"charset\" \"us-ascii\") NIL NIL \"7bit\" 7 0 NIL NIL NIL NIL) \"alternative\" (\"boundary\" \"w\") NIL NIL NIL) 11 NIL NIL NIL NIL)",
    body:
      "(\"message\" \"rfc822\" NIL NIL NIL \"7bit\" 131 (NIL \"inner\" ((NIL NIL \"inner\" \"example.org\")) ((NIL NIL \"inner\" \"example.org\")) ((NIL NIL \"inner\" \"example.org\")) NIL NIL NIL NIL NIL) ((\"text\" \"plain\" (\"charset\" \"us-ascii\") NIL NIL \"7bit\" 7 0)(\"text\" \"plain\" (\"charset\" \"us-ascii\") NIL NIL \"7bit\" 7 0) \"alternative\") 11)",
    sections: {
      "": [227, "162802efba7d"], "HEADER": [96, "7afd3cf9dd96"], "TEXT": [131, "46e2d862d46c"], "1.1.1": [7, "34f47315efc6"],
      "1.2": [7, "6e5213d75ac4"], "2.1.1": [0, "e3b0c44298fc"], "2.1.MIME": [0, "e3b0c44298fc"], "2.HEADER": [0, "e3b0c44298fc"],
      "2.TEXT": [0, "e3b0c44298fc"], "1.1.MIME": [2, "7eb70257593d"], "2.1.1.1": [0, "e3b0c44298fc"], "3.1.1": [0, "e3b0c44298fc"],
      "1": [131, "46e2d862d46c"], "1.MIME": [96, "7afd3cf9dd96"], "1.HEADER": [92, "f63f167da295"], "1.TEXT": [39, "06f452988ff2"],
      "2": [0, "e3b0c44298fc"], "2.MIME": [0, "e3b0c44298fc"], "3": [0, "e3b0c44298fc"], "3.MIME": [0, "e3b0c44298fc"],
      "3.HEADER": [0, "e3b0c44298fc"], "3.TEXT": [0, "e3b0c44298fc"], "3.1": [0, "e3b0c44298fc"], "3.1.MIME": [0, "e3b0c44298fc"],
      "3.2": [0, "e3b0c44298fc"], "3.2.MIME": [0, "e3b0c44298fc"], "3.3": [0, "e3b0c44298fc"], "4": [0, "e3b0c44298fc"],
      "HEADER.FIELDS (FROM SUBJECT MESSAGE-ID)": [47, "91efb5f2e761"], "HEADER.FIELDS.NOT (RECEIVED RETURN-PATH DATE)": [96, "7afd3cf9dd96"], "3.HEADER.FIELDS (SUBJECT)": [0, "e3b0c44298fc"], "1.1": [7, "34f47315efc6"],
      "2.1": [0, "e3b0c44298fc"], "2.2": [0, "e3b0c44298fc"], "<5>": [10, "8818ae4544c5"], "TEXT<0>": [4, "218197693424"],
    },
    binary: {
      "": [227, "162802efba7d"], "1": [131, "46e2d862d46c"], "2": [0, "e3b0c44298fc"], "3": [0, "e3b0c44298fc"],
      "1.1": [7, "34f47315efc6"], "3.1": [0, "e3b0c44298fc"],
    },
  },
};
