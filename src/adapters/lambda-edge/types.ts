/**
 * The parts of CloudFront's Lambda@Edge event and result shapes this adapter touches (see
 * EDGE-FACTS.md and the CloudFront Developer Guide, "Lambda@Edge event structure"). Written here
 * rather than imported so the adapter states exactly what it relies on.
 */
export interface CloudFrontHeader {
  key?: string;
  value: string;
}

export type CloudFrontHeaders = Record<string, CloudFrontHeader[]>;

export interface CloudFrontS3Origin {
  authMethod: 'origin-access-identity' | 'none';
  customHeaders: CloudFrontHeaders;
  domainName: string;
  path: string;
  region?: string;
}

export interface CloudFrontCustomOrigin {
  customHeaders: CloudFrontHeaders;
  domainName: string;
  path: string;
  port: number;
  protocol: 'http' | 'https';
}

export interface CloudFrontRequest {
  clientIp: string;
  method: string;
  uri: string;
  querystring: string;
  headers: CloudFrontHeaders;
  origin?: { s3?: CloudFrontS3Origin; custom?: CloudFrontCustomOrigin };
}

export interface CloudFrontResponse {
  status: string;
  statusDescription: string;
  headers: CloudFrontHeaders;
  body?: string;
  bodyEncoding?: 'text' | 'base64';
}

export interface OriginResponseEvent {
  Records: {
    cf: {
      config: {
        distributionDomainName: string;
        distributionId: string;
        eventType: string;
        requestId: string;
      };
      request: CloudFrontRequest;
      response: CloudFrontResponse;
    };
  }[];
}
